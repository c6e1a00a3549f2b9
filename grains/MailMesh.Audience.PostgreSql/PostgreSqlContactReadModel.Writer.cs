using System.Globalization;
using System.Text;
using MailMesh.Audience.ReadModel;
using MailMesh.Grains.Contacts;
using Npgsql;
using NpgsqlTypes;

namespace MailMesh.Audience.PostgreSql;

public sealed partial class PostgreSqlContactReadModel
{
    /// <summary>The slots of the contact's attributes, giving new ones under a per-tenant advisory lock held until the
    /// transaction ends (two silos meeting a new attribute at once give it one slot; the loser reads the winner's).</summary>
    private Task<List<AttributeSlot>> SlotsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ContactInfo c, CancellationToken ct) =>
        SlotsAsync(connection, transaction, c.Tenant, c.Attributes, ct);

    /// <summary>The slots of <paramref name="attributes"/> of one tenant (a new attribute's kind is its value's kind).</summary>
    private async Task<List<AttributeSlot>> SlotsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string tenant, IEnumerable<KeyValuePair<string, AttributeValue>> attributes, CancellationToken ct)
    {
        var result = new List<AttributeSlot>();
        var missing = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (name, value) in attributes)
        {
            var (text, number) = SlotColumns.Stored(value);
            if (text is null && number is null)
            {
                continue;
            }

            if (_slots.TryGetValue((tenant, name), out var known))
            {
                result.Add(known);
            }
            else
            {
                missing[name] = text is not null;
            }
        }

        if (missing.Count == 0)
        {
            return result;
        }

        var found = await ReadSlotsAsync(connection, transaction, tenant, missing.Keys.ToArray(), ct).ConfigureAwait(false);
        if (found.Count < missing.Count)
        {
            await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@k)", connection, transaction))
            {
                command.Parameters.Add(new NpgsqlParameter<long>("k", LockKey(_store.Schema, tenant)));
                await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }

            found = await ReadSlotsAsync(connection, transaction, tenant, missing.Keys.ToArray(), ct).ConfigureAwait(false);
            var used = new Dictionary<bool, int> { [true] = 0, [false] = 0 };
            await using (var command = new NpgsqlCommand($"SELECT kind, count(slot) FROM {_slotsTable} WHERE tenant = @t GROUP BY kind", connection, transaction))
            {
                command.Parameters.Add(new NpgsqlParameter<string>("t", tenant));
                await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    used[reader.GetString(0) == "t"] = (int)reader.GetInt64(1);
                }
            }

            foreach (var (name, text) in missing.Where(m => !found.ContainsKey(m.Key)).OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                int? index = used[text] < (text ? SlotColumns.TextCount : SlotColumns.NumberCount) ? used[text]++ : null;
                await using var insert = new NpgsqlCommand($"INSERT INTO {_slotsTable} (tenant, name, kind, slot) VALUES (@t, @n, @k, @s)", connection, transaction);
                insert.Parameters.Add(new NpgsqlParameter<string>("t", tenant));
                insert.Parameters.Add(new NpgsqlParameter<string>("n", name));
                insert.Parameters.Add(new NpgsqlParameter<string>("k", text ? "t" : "n"));
                insert.Parameters.Add(new NpgsqlParameter("s", NpgsqlDbType.Integer) { Value = index is { } i ? i : DBNull.Value });
                await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                found[name] = new AttributeSlot(name, text, index);
            }
        }

        result.AddRange(found.Values);
        return result;
    }

    private async Task<Dictionary<string, AttributeSlot>> ReadSlotsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string tenant, string[]? names, CancellationToken ct)
    {
        var sql = $"SELECT name, kind, slot FROM {_slotsTable} WHERE tenant = @t" + (names is null ? "" : " AND name = ANY(@n)");
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string>("t", tenant));
        if (names is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string[]>("n", names));
        }

        var slots = new Dictionary<string, AttributeSlot>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var name = reader.GetString(0);
            slots[name] = new AttributeSlot(name, reader.GetString(1) == "t", reader.IsDBNull(2) ? null : reader.GetInt32(2));
        }

        return slots;
    }

    /// <summary>Replaces the contact's lists, suppressions, search row and overflow rows in one round trip.</summary>
    private async Task WriteChildrenAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ContactInfo c, long id, List<AttributeSlot> slots, CancellationToken ct)
    {
        var byName = slots.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var values = new object?[SlotColumns.NumberCount + SlotColumns.TextCount];
        var overflow = new List<(string Name, string? Text, double? Number)>();
        foreach (var (name, value) in c.Attributes)
        {
            var (text, number) = SlotColumns.Stored(value);
            if ((text is null && number is null) || !byName.TryGetValue(name, out var slot) || slot.IsText != (text is not null))
            {
                continue;
            }

            if (slot.Index is { } index)
            {
                values[slot.IsText ? SlotColumns.NumberCount + index : index] = text ?? (object)number!;
            }
            else
            {
                overflow.Add((name, text, number));
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        void Add(string sql, params NpgsqlParameter[] parameters)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<long>("id", id));
            command.Parameters.Add(new NpgsqlParameter<string>("t", c.Tenant));
            command.Parameters.AddRange(parameters);
            batch.BatchCommands.Add(command);
        }

        Add($"DELETE FROM {_lists} WHERE contact_id = @id");
        Add($"DELETE FROM {_suppressions} WHERE contact_id = @id");
        Add($"DELETE FROM {_overflow} WHERE contact_id = @id");
        Add($"INSERT INTO {_lists} (contact_id, tenant, list) SELECT @id, @t, l FROM unnest(@l) AS l ON CONFLICT DO NOTHING",
            new NpgsqlParameter<string[]>("l", c.Lists.ToArray()));
        Add($"""
            INSERT INTO {_suppressions} (contact_id, tenant, scope, reason, at) SELECT @id, @t, s, r, a FROM unnest(@s, @r, @a) AS x(s, r, a)
            ON CONFLICT (contact_id, scope, reason) DO UPDATE SET at = excluded.at
            """,
            new NpgsqlParameter<string[]>("s", c.Suppressions.Select(s => s.Scope).ToArray()),
            new NpgsqlParameter<string[]>("r", c.Suppressions.Select(s => SlotColumns.ReasonName(s.Reason)).ToArray()),
            new NpgsqlParameter<long[]>("a", c.Suppressions.Select(s => s.At.ToUnixTimeMilliseconds()).ToArray()));
        Add($"INSERT INTO {_overflow} (contact_id, tenant, name, str, num) SELECT @id, @t, n, s, x FROM unnest(@n, @s, @x) AS o(n, s, x) ON CONFLICT DO NOTHING",
            new NpgsqlParameter("n", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = overflow.Select(o => o.Name).ToArray() },
            new NpgsqlParameter("s", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = overflow.Select(o => (object?)o.Text ?? DBNull.Value).ToArray() },
            new NpgsqlParameter("x", NpgsqlDbType.Array | NpgsqlDbType.Double) { Value = overflow.Select(o => o.Number is { } n ? n : (object)DBNull.Value).ToArray() });
        var search = new List<NpgsqlParameter>
        {
            new NpgsqlParameter<short>("sup", (short)(c.Mailable ? 0 : 1)),
            new NpgsqlParameter<short>("role", (short)(c.RoleAddress ? 1 : 0)),
            new NpgsqlParameter<long>("c", c.CreatedAt.ToUnixTimeMilliseconds()),
            new NpgsqlParameter<long>("u", c.UpdatedAt.ToUnixTimeMilliseconds()),
            new("lo", NpgsqlDbType.Bigint) { Value = c.Engagement.LastOpenAt is { } lo ? lo.ToUnixTimeMilliseconds() : DBNull.Value },
            new("lc", NpgsqlDbType.Bigint) { Value = c.Engagement.LastClickAt is { } lc ? lc.ToUnixTimeMilliseconds() : DBNull.Value },
            new NpgsqlParameter<long>("o", c.Engagement.Opens),
            new NpgsqlParameter<long>("k", c.Engagement.Clicks),
            new NpgsqlParameter<double>("s", c.Engagement.Score),
            new("st", NpgsqlDbType.Text) { Value = (object?)c.Engagement.Status ?? DBNull.Value },
            new NpgsqlParameter<string>("d", Domain(c.Address)),
            new("lists", NpgsqlDbType.Text) { Value = (object?)SlotColumns.Pack(c.Lists) ?? DBNull.Value },
            new("sups", NpgsqlDbType.Text) { Value = (object?)SlotColumns.Pack(c.Suppressions.Select(s => s.Scope + ":" + SlotColumns.ReasonName(s.Reason)).ToArray()) ?? DBNull.Value },
        };
        for (var i = 0; i < values.Length; i++)
        {
            var text = i >= SlotColumns.NumberCount;
            search.Add(new NpgsqlParameter(SlotParameter(i), text ? NpgsqlDbType.Text : NpgsqlDbType.Double) { Value = values[i] ?? DBNull.Value });
        }

        Add(UpsertSearchSql(), [.. search]);
        await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private string UpsertSearchSql()
    {
        var slotNames = SlotNames();
        var slotValues = string.Join(", ", Enumerable.Range(0, SlotColumns.NumberCount + SlotColumns.TextCount).Select(i => "@" + SlotParameter(i)));
        var update = new StringBuilder("tenant = excluded.tenant, suppressed = excluded.suppressed, role_address = excluded.role_address, ")
            .Append("created_at = excluded.created_at, updated_at = excluded.updated_at, last_open_at = excluded.last_open_at, last_click_at = excluded.last_click_at, ")
            .Append("opens = excluded.opens, clicks = excluded.clicks, score = excluded.score, status = excluded.status, domain = excluded.domain, ")
            .Append("lists = excluded.lists, sup = excluded.sup, ")
            .Append(string.Join(", ", slotNames.Split(", ").Select(n => $"{n} = excluded.{n}")));
        return $"""
            INSERT INTO {_search} (id, tenant, suppressed, role_address, created_at, updated_at, last_open_at, last_click_at, opens, clicks, score, status, domain, lists, sup, {slotNames})
            VALUES (@id, @t, @sup, @role, @c, @u, @lo, @lc, @o, @k, @s, @st, @d, @lists, @sups, {slotValues})
            ON CONFLICT (id) DO UPDATE SET {update}
            """;
    }

    private static string SlotParameter(int i) => i < SlotColumns.NumberCount
        ? "sn" + i.ToString(CultureInfo.InvariantCulture)
        : "sx" + (i - SlotColumns.NumberCount).ToString(CultureInfo.InvariantCulture);

    /// <summary>A stable advisory-lock key for the slots of one tenant in one schema (FNV-1a, 64 bits).</summary>
    private static long LockKey(string schema, string tenant)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes("contact_slots/" + schema + "/" + tenant))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return unchecked((long)hash);
    }
}

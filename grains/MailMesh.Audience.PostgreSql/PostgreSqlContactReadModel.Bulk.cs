using System.Text.Json;
using MailMesh.Audience.ReadModel;
using MailMesh.Grains.Contacts;
using Npgsql;
using NpgsqlTypes;

namespace MailMesh.Audience.PostgreSql;

public sealed partial class PostgreSqlContactReadModel
{
    /// <summary>Writes many contacts' rows in the caller's transaction with a fixed number of statements whatever their
    /// number: the contact rows as one multi-row upsert over arrays (<c>unnest</c>, version-fenced like the single
    /// write), then the written contacts' side rows and search rows in one batch of array statements.</summary>
    /// <returns>The slots used (to cache once committed).</returns>
    private async Task<List<(string Tenant, AttributeSlot Slot)>> UpsertManyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ContactInfo> contacts, CancellationToken ct)
    {
        // One row per contact (a statement may not update a row twice): the newest version wins, as it would one by one.
        var newest = new Dictionary<(string Tenant, string Address), ContactInfo>();
        foreach (var contact in contacts)
        {
            ArgumentNullException.ThrowIfNull(contact, nameof(contacts));
            if (!newest.TryGetValue((contact.Tenant, contact.Address), out var other) || contact.Version > other.Version)
            {
                newest[(contact.Tenant, contact.Address)] = contact;
            }
        }

        var rows = newest.Values.ToList();
        var ids = await UpsertContactRowsAsync(connection, transaction, rows, ct).ConfigureAwait(false);
        var written = rows.Where(c => ids.ContainsKey((c.Tenant, c.Address))).ToList();
        var used = new List<(string Tenant, AttributeSlot Slot)>();
        if (written.Count == 0)
        {
            return used;
        }

        var slots = new Dictionary<(string Tenant, string Name), AttributeSlot>();
        foreach (var tenant in written.GroupBy(c => c.Tenant, StringComparer.Ordinal))
        {
            // The first value met decides a new attribute's kind, as when the contacts are written one by one.
            var attributes = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
            foreach (var contact in tenant)
            {
                foreach (var (name, value) in contact.Attributes)
                {
                    var (text, number) = SlotColumns.Stored(value);
                    if (text is not null || number is not null)
                    {
                        attributes.TryAdd(name, value);
                    }
                }
            }

            foreach (var slot in await SlotsAsync(connection, transaction, tenant.Key, attributes, ct).ConfigureAwait(false))
            {
                slots[(tenant.Key, slot.Name)] = slot;
                used.Add((tenant.Key, slot));
            }
        }

        await WriteChildrenManyAsync(connection, transaction, written, ids, slots, ct).ConfigureAwait(false);
        return used;
    }

    /// <summary>Upserts the contact rows; returns the ids of those written (a stored row as new or newer is left alone).</summary>
    private async Task<Dictionary<(string Tenant, string Address), long>> UpsertContactRowsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<ContactInfo> rows, CancellationToken ct)
    {
        var sql = $"""
            INSERT INTO {_contacts} AS existing (tenant, address, version, domain, role_address, suppressed, created_at, updated_at,
                last_open_at, last_click_at, opens, clicks, score, status, attributes)
            SELECT * FROM unnest(@t, @a, @v, @d, @role, @sup, @c, @u, @lo, @lc, @o, @k, @s, @st, @attrs)
            ON CONFLICT (tenant, address) DO UPDATE SET version = excluded.version, role_address = excluded.role_address,
                suppressed = excluded.suppressed, updated_at = excluded.updated_at, last_open_at = excluded.last_open_at,
                last_click_at = excluded.last_click_at, opens = excluded.opens, clicks = excluded.clicks, score = excluded.score,
                status = excluded.status, attributes = excluded.attributes
            WHERE excluded.version > existing.version
            RETURNING id, tenant, address
            """;
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string[]>("t", [.. rows.Select(c => c.Tenant)]));
        p.Add(new NpgsqlParameter<string[]>("a", [.. rows.Select(c => c.Address)]));
        p.Add(new NpgsqlParameter<long[]>("v", [.. rows.Select(c => c.Version)]));
        p.Add(new NpgsqlParameter<string[]>("d", [.. rows.Select(c => Domain(c.Address))]));
        p.Add(new NpgsqlParameter<short[]>("role", [.. rows.Select(c => (short)(c.RoleAddress ? 1 : 0))]));
        p.Add(new NpgsqlParameter<short[]>("sup", [.. rows.Select(c => (short)(c.Mailable ? 0 : 1))]));
        p.Add(new NpgsqlParameter<long[]>("c", [.. rows.Select(c => c.CreatedAt.ToUnixTimeMilliseconds())]));
        p.Add(new NpgsqlParameter<long[]>("u", [.. rows.Select(c => c.UpdatedAt.ToUnixTimeMilliseconds())]));
        p.Add(Nullable("lo", NpgsqlDbType.Bigint, rows.Select(c => c.Engagement.LastOpenAt?.ToUnixTimeMilliseconds())));
        p.Add(Nullable("lc", NpgsqlDbType.Bigint, rows.Select(c => c.Engagement.LastClickAt?.ToUnixTimeMilliseconds())));
        p.Add(new NpgsqlParameter<long[]>("o", [.. rows.Select(c => c.Engagement.Opens)]));
        p.Add(new NpgsqlParameter<long[]>("k", [.. rows.Select(c => c.Engagement.Clicks)]));
        p.Add(new NpgsqlParameter<double[]>("s", [.. rows.Select(c => c.Engagement.Score)]));
        p.Add(Nullable("st", NpgsqlDbType.Text, rows.Select(c => c.Engagement.Status)));
        p.Add(new NpgsqlParameter<string[]>("attrs",
            [.. rows.Select(c => JsonSerializer.Serialize(c.Attributes.ToDictionary(a => a.Key, a => a.Value.ToInvariantString(), StringComparer.Ordinal)))]));
        var ids = new Dictionary<(string Tenant, string Address), long>();
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            ids[(reader.GetString(1), reader.GetString(2))] = reader.GetInt64(0);
        }

        return ids;
    }

    /// <summary>Replaces the written contacts' lists, suppressions, overflow rows and search rows in one round trip.</summary>
    private async Task WriteChildrenManyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<ContactInfo> written, Dictionary<(string Tenant, string Address), long> ids,
        Dictionary<(string Tenant, string Name), AttributeSlot> slots, CancellationToken ct)
    {
        var contactIds = written.Select(c => ids[(c.Tenant, c.Address)]).ToArray();
        var lists = (Ids: new List<long>(), Tenants: new List<string>(), Names: new List<string>());
        var sups = (Ids: new List<long>(), Tenants: new List<string>(), Scopes: new List<string>(), Reasons: new List<string>(), At: new List<long>());
        var overflow = (Ids: new List<long>(), Tenants: new List<string>(), Names: new List<string>(), Text: new List<string?>(), Number: new List<double?>());
        var columns = new object?[SlotColumns.NumberCount + SlotColumns.TextCount][];
        for (var i = 0; i < columns.Length; i++)
        {
            columns[i] = new object?[written.Count];
        }

        for (var row = 0; row < written.Count; row++)
        {
            var c = written[row];
            var id = contactIds[row];
            foreach (var list in c.Lists)
            {
                lists.Ids.Add(id);
                lists.Tenants.Add(c.Tenant);
                lists.Names.Add(list);
            }

            foreach (var s in c.Suppressions)
            {
                sups.Ids.Add(id);
                sups.Tenants.Add(c.Tenant);
                sups.Scopes.Add(s.Scope);
                sups.Reasons.Add(SlotColumns.ReasonName(s.Reason));
                sups.At.Add(s.At.ToUnixTimeMilliseconds());
            }

            foreach (var (name, value) in c.Attributes)
            {
                var (text, number) = SlotColumns.Stored(value);
                if ((text is null && number is null) || !slots.TryGetValue((c.Tenant, name), out var slot) || slot.IsText != (text is not null))
                {
                    continue; // no value, or stored under another kind before: segments treat the attribute as absent
                }

                if (slot.Index is { } index)
                {
                    columns[slot.IsText ? SlotColumns.NumberCount + index : index][row] = text ?? (object)number!;
                }
                else
                {
                    overflow.Ids.Add(id);
                    overflow.Tenants.Add(c.Tenant);
                    overflow.Names.Add(name);
                    overflow.Text.Add(text);
                    overflow.Number.Add(number);
                }
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        void Add(string sql, params NpgsqlParameter[] parameters)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddRange(parameters);
            batch.BatchCommands.Add(command);
        }

        NpgsqlParameter IdsParameter() => new NpgsqlParameter<long[]>("ids", contactIds);
        Add($"DELETE FROM {_lists} WHERE contact_id = ANY(@ids)", IdsParameter());
        Add($"DELETE FROM {_suppressions} WHERE contact_id = ANY(@ids)", IdsParameter());
        Add($"DELETE FROM {_overflow} WHERE contact_id = ANY(@ids)", IdsParameter());
        Add($"INSERT INTO {_lists} (contact_id, tenant, list) SELECT * FROM unnest(@id, @t, @l) ON CONFLICT DO NOTHING",
            new NpgsqlParameter<long[]>("id", [.. lists.Ids]), new NpgsqlParameter<string[]>("t", [.. lists.Tenants]), new NpgsqlParameter<string[]>("l", [.. lists.Names]));
        Add($"""
            INSERT INTO {_suppressions} (contact_id, tenant, scope, reason, at) SELECT * FROM unnest(@id, @t, @s, @r, @a)
            ON CONFLICT (contact_id, scope, reason) DO UPDATE SET at = excluded.at
            """,
            new NpgsqlParameter<long[]>("id", [.. sups.Ids]), new NpgsqlParameter<string[]>("t", [.. sups.Tenants]),
            new NpgsqlParameter<string[]>("s", [.. sups.Scopes]), new NpgsqlParameter<string[]>("r", [.. sups.Reasons]), new NpgsqlParameter<long[]>("a", [.. sups.At]));
        Add($"INSERT INTO {_overflow} (contact_id, tenant, name, str, num) SELECT * FROM unnest(@id, @t, @n, @s, @x) ON CONFLICT DO NOTHING",
            new NpgsqlParameter<long[]>("id", [.. overflow.Ids]), new NpgsqlParameter<string[]>("t", [.. overflow.Tenants]),
            new NpgsqlParameter<string[]>("n", [.. overflow.Names]), Nullable("s", NpgsqlDbType.Text, overflow.Text), Nullable("x", NpgsqlDbType.Double, overflow.Number));
        var search = new List<NpgsqlParameter>
        {
            new NpgsqlParameter<long[]>("id", contactIds),
            new NpgsqlParameter<string[]>("t", [.. written.Select(c => c.Tenant)]),
            new NpgsqlParameter<short[]>("sup", [.. written.Select(c => (short)(c.Mailable ? 0 : 1))]),
            new NpgsqlParameter<short[]>("role", [.. written.Select(c => (short)(c.RoleAddress ? 1 : 0))]),
            new NpgsqlParameter<long[]>("c", [.. written.Select(c => c.CreatedAt.ToUnixTimeMilliseconds())]),
            new NpgsqlParameter<long[]>("u", [.. written.Select(c => c.UpdatedAt.ToUnixTimeMilliseconds())]),
            Nullable("lo", NpgsqlDbType.Bigint, written.Select(c => c.Engagement.LastOpenAt?.ToUnixTimeMilliseconds())),
            Nullable("lc", NpgsqlDbType.Bigint, written.Select(c => c.Engagement.LastClickAt?.ToUnixTimeMilliseconds())),
            new NpgsqlParameter<long[]>("o", [.. written.Select(c => c.Engagement.Opens)]),
            new NpgsqlParameter<long[]>("k", [.. written.Select(c => c.Engagement.Clicks)]),
            new NpgsqlParameter<double[]>("s", [.. written.Select(c => c.Engagement.Score)]),
            Nullable("st", NpgsqlDbType.Text, written.Select(c => c.Engagement.Status)),
            new NpgsqlParameter<string[]>("d", [.. written.Select(c => Domain(c.Address))]),
            Nullable("lists", NpgsqlDbType.Text, written.Select(c => SlotColumns.Pack(c.Lists))),
            Nullable("sups", NpgsqlDbType.Text, written.Select(c => SlotColumns.Pack(c.Suppressions.Select(s => s.Scope + ":" + SlotColumns.ReasonName(s.Reason)).ToArray()))),
        };
        for (var i = 0; i < columns.Length; i++)
        {
            var type = i >= SlotColumns.NumberCount ? NpgsqlDbType.Text : NpgsqlDbType.Double;
            search.Add(new NpgsqlParameter(SlotParameter(i), NpgsqlDbType.Array | type) { Value = Array.ConvertAll(columns[i], v => v ?? DBNull.Value) });
        }

        Add(UpsertSearchManySql(), [.. search]);
        await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The search rows' multi-row upsert (the single write's statement over arrays).</summary>
    private string UpsertSearchManySql()
    {
        var single = UpsertSearchSql();
        var values = single.IndexOf("VALUES (", StringComparison.Ordinal);
        var end = single.IndexOf(')', values);
        return single[..values] + "SELECT * FROM unnest(" + single[(values + "VALUES (".Length)..end] + ")" + single[(end + 1)..];
    }

    private static NpgsqlParameter Nullable<T>(string name, NpgsqlDbType type, IEnumerable<T> values) =>
        new(name, NpgsqlDbType.Array | type) { Value = values.Select(v => v is null ? DBNull.Value : (object)v).ToArray() };
}

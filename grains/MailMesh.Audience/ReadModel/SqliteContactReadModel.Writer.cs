using System.Globalization;
using System.Text;
using System.Text.Json;
using MailMesh.Grains.Contacts;
using Microsoft.Data.Sqlite;

namespace MailMesh.Audience.ReadModel;

public sealed partial class SqliteContactReadModel
{
    private const string UpsertContact = """
        INSERT INTO contacts (tenant, address, version, domain, role_address, suppressed, created_at, updated_at,
            last_open_at, last_click_at, opens, clicks, score, status, attributes)
        VALUES ($t, $a, $v, $d, $role, $sup, $c, $u, $lo, $lc, $o, $k, $s, $st, $attrs)
        ON CONFLICT (tenant, address) DO UPDATE SET version = excluded.version, role_address = excluded.role_address,
            suppressed = excluded.suppressed, updated_at = excluded.updated_at, last_open_at = excluded.last_open_at,
            last_click_at = excluded.last_click_at, opens = excluded.opens, clicks = excluded.clicks, score = excluded.score,
            status = excluded.status, attributes = excluded.attributes
        WHERE excluded.version > contacts.version
        RETURNING id
        """;

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        SqliteConnection? connection = null;
        try
        {
            while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var write))
                {
                    batch.Add(write);
                }

                try
                {
                    connection ??= await OpenAsync().ConfigureAwait(false);
                    Commit(connection, batch);
                    batch.ForEach(w => w.Done.TrySetResult());
                }
                catch (Exception)
                {
                    _slots.Clear(); // slots given in the failed transaction were rolled back with it
                    // One bad row must not fail its neighbours: commit them one by one, each with its own outcome. A
                    // connection that failed is replaced first (a disk or file error may have left it unusable).
                    if (connection is not null)
                    {
                        await connection.DisposeAsync().ConfigureAwait(false);
                        connection = null;
                    }

                    foreach (var write in batch)
                    {
                        try
                        {
                            connection ??= await OpenAsync().ConfigureAwait(false);
                            Commit(connection, [write]);
                            write.Done.TrySetResult();
                        }
                        catch (Exception e)
                        {
                            _slots.Clear();
                            write.Done.TrySetException(e);
                        }
                    }
                }

                batch.Clear();
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private void Commit(SqliteConnection connection, IReadOnlyList<PendingWrite> batch)
    {
        using var transaction = connection.BeginTransaction();
        using var statements = new Statements(connection, transaction);
        foreach (var write in batch)
        {
            if (write.Contact is { } contact)
            {
                Upsert(statements, contact);
            }
            else
            {
                statements.FindId.Parameters["$t"].Value = write.Tenant;
                statements.FindId.Parameters["$a"].Value = write.Address;
                if (statements.FindId.ExecuteScalar() is long id)
                {
                    DeleteChildren(statements, id);
                    statements.DeleteContact.Parameters["$id"].Value = id;
                    statements.DeleteContact.ExecuteNonQuery();
                }

                // A deleted or erased contact leaves every frozen segment too.
                statements.DeleteMemberships.Parameters["$t"].Value = write.Tenant;
                statements.DeleteMemberships.Parameters["$a"].Value = write.Address;
                statements.DeleteMemberships.ExecuteNonQuery();
            }
        }

        transaction.Commit();
    }

    private void Upsert(Statements s, ContactInfo c)
    {
        var p = s.Upsert.Parameters;
        p["$t"].Value = c.Tenant;
        p["$a"].Value = c.Address;
        p["$v"].Value = c.Version;
        p["$d"].Value = Domain(c.Address);
        p["$role"].Value = c.RoleAddress ? 1 : 0;
        p["$sup"].Value = c.Mailable ? 0 : 1;
        p["$c"].Value = c.CreatedAt.ToUnixTimeMilliseconds();
        p["$u"].Value = c.UpdatedAt.ToUnixTimeMilliseconds();
        p["$lo"].Value = c.Engagement.LastOpenAt is { } lo ? lo.ToUnixTimeMilliseconds() : DBNull.Value;
        p["$lc"].Value = c.Engagement.LastClickAt is { } lc ? lc.ToUnixTimeMilliseconds() : DBNull.Value;
        p["$o"].Value = c.Engagement.Opens;
        p["$k"].Value = c.Engagement.Clicks;
        p["$s"].Value = c.Engagement.Score;
        p["$st"].Value = (object?)c.Engagement.Status ?? DBNull.Value;
        p["$attrs"].Value = JsonSerializer.Serialize(c.Attributes.ToDictionary(a => a.Key, a => a.Value.ToInvariantString(), StringComparer.Ordinal));
        if (s.Upsert.ExecuteScalar() is not long id)
        {
            return; // the stored row is as new or newer
        }

        DeleteChildren(s, id);
        var list = s.InsertList.Parameters;
        list["$id"].Value = id;
        list["$t"].Value = c.Tenant;
        foreach (var name in c.Lists)
        {
            list["$l"].Value = name;
            s.InsertList.ExecuteNonQuery();
        }

        var sup = s.InsertSuppression.Parameters;
        sup["$id"].Value = id;
        sup["$t"].Value = c.Tenant;
        foreach (var suppression in c.Suppressions)
        {
            sup["$scope"].Value = suppression.Scope;
            sup["$r"].Value = Reason(suppression.Reason);
            sup["$at"].Value = suppression.At.ToUnixTimeMilliseconds();
            s.InsertSuppression.ExecuteNonQuery();
        }

        WriteSearchRow(s, c, id);
    }

    /// <summary>The contact's <c>contact_search</c> row (and <c>contact_overflow</c> rows for attributes beyond the
    /// typed columns).</summary>
    private void WriteSearchRow(Statements s, ContactInfo c, long id)
    {
        var p = s.UpsertSearch.Parameters;
        foreach (SqliteParameter parameter in p)
        {
            parameter.Value = DBNull.Value;
        }

        p["$id"].Value = id;
        p["$tenant"].Value = c.Tenant;
        p["$sup"].Value = c.Mailable ? 0 : 1;
        p["$role"].Value = c.RoleAddress ? 1 : 0;
        p["$c"].Value = c.CreatedAt.ToUnixTimeMilliseconds();
        p["$u"].Value = c.UpdatedAt.ToUnixTimeMilliseconds();
        p["$lo"].Value = c.Engagement.LastOpenAt is { } lo ? lo.ToUnixTimeMilliseconds() : DBNull.Value;
        p["$lc"].Value = c.Engagement.LastClickAt is { } lc ? lc.ToUnixTimeMilliseconds() : DBNull.Value;
        p["$o"].Value = c.Engagement.Opens;
        p["$k"].Value = c.Engagement.Clicks;
        p["$s"].Value = c.Engagement.Score;
        p["$st"].Value = (object?)c.Engagement.Status ?? DBNull.Value;
        p["$d"].Value = Domain(c.Address);
        p["$lists"].Value = (object?)SlotColumns.Pack(c.Lists) ?? DBNull.Value;
        p["$sups"].Value = (object?)SlotColumns.Pack(c.Suppressions.Select(x => x.Scope + ":" + Reason(x.Reason)).ToArray()) ?? DBNull.Value;
        var overflow = s.InsertOverflow.Parameters;
        overflow["$id"].Value = id;
        overflow["$t"].Value = c.Tenant;
        foreach (var (name, value) in c.Attributes)
        {
            var (text, number) = SlotColumns.Stored(value);
            if (text is null && number is null)
            {
                continue;
            }

            var slot = Slot(s, c.Tenant, name, text is not null);
            if (slot.IsText != (text is not null))
            {
                continue; // stored under another kind before: SegmentFields treats the attribute as absent
            }

            if (slot.Index is { } index)
            {
                p[(slot.IsText ? "$t" : "$n") + index.ToString(CultureInfo.InvariantCulture)].Value = text ?? (object)number!;
            }
            else
            {
                overflow["$n"].Value = name;
                overflow["$str"].Value = (object?)text ?? DBNull.Value;
                overflow["$num"].Value = number is { } n ? n : DBNull.Value;
                s.InsertOverflow.ExecuteNonQuery();
            }
        }

        s.UpsertSearch.ExecuteNonQuery();
    }

    /// <summary>The attribute's slot, given on first use (the single writer gives slots, so two never collide).</summary>
    private AttributeSlot Slot(Statements s, string tenant, string name, bool text)
    {
        if (_slots.TryGetValue((tenant, name), out var known))
        {
            return known;
        }

        s.FindSlot.Parameters["$t"].Value = tenant;
        s.FindSlot.Parameters["$n"].Value = name;
        using (var reader = s.FindSlot.ExecuteReader())
        {
            if (reader.Read())
            {
                known = new AttributeSlot(name, reader.GetString(0) == "t", reader.IsDBNull(1) ? null : (int)reader.GetInt64(1));
            }
        }

        if (known is null)
        {
            s.CountSlots.Parameters["$t"].Value = tenant;
            s.CountSlots.Parameters["$k"].Value = text ? "t" : "n";
            var used = (long)s.CountSlots.ExecuteScalar()!;
            known = new AttributeSlot(name, text, used < (text ? SlotColumns.TextCount : SlotColumns.NumberCount) ? (int)used : null);
            var insert = s.InsertSlot.Parameters;
            insert["$t"].Value = tenant;
            insert["$n"].Value = name;
            insert["$k"].Value = text ? "t" : "n";
            insert["$s"].Value = known.Index is { } index ? index : DBNull.Value;
            s.InsertSlot.ExecuteNonQuery();
        }

        _slots[(tenant, name)] = known;
        return known;
    }

    /// <summary>The stored name of a suppression reason.</summary>
    internal static string Reason(SuppressionReason reason) => SlotColumns.ReasonName(reason);

    private static string Domain(string address) => address[(address.LastIndexOf('@') + 1)..];

    private static void DeleteChildren(Statements s, long id)
    {
        foreach (var delete in s.DeleteChildren)
        {
            delete.Parameters["$id"].Value = id;
            delete.ExecuteNonQuery();
        }
    }

    private static string UpsertSearchSql()
    {
        var columns = new StringBuilder("id, tenant, suppressed, role_address, created_at, updated_at, last_open_at, last_click_at, opens, clicks, score, status, domain, lists, sup");
        var values = new StringBuilder("$id, $tenant, $sup, $role, $c, $u, $lo, $lc, $o, $k, $s, $st, $d, $lists, $sups");
        foreach (var (prefix, count) in new[] { ("n", SlotColumns.NumberCount), ("t", SlotColumns.TextCount) })
        {
            for (var i = 0; i < count; i++)
            {
                columns.Append(", ").Append(prefix).Append(i);
                values.Append(", $").Append(prefix).Append(i);
            }
        }

        return $"INSERT OR REPLACE INTO contact_search ({columns}) VALUES ({values})";
    }

    private static readonly string UpsertSearch = UpsertSearchSql();

    private sealed record PendingWrite(string Tenant, string Address, ContactInfo? Contact)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The prepared statements of one transaction.</summary>
    private sealed class Statements : IDisposable
    {
        private readonly List<SqliteCommand> _all = [];

        public Statements(SqliteConnection connection, SqliteTransaction transaction)
        {
            SqliteCommand Create(string sql, params string[] parameters)
            {
                var command = connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = sql;
                foreach (var name in parameters)
                {
                    command.Parameters.Add(new SqliteParameter { ParameterName = name, Value = DBNull.Value });
                }

                _all.Add(command);
                return command;
            }

            Upsert = Create(UpsertContact, "$t", "$a", "$v", "$d", "$role", "$sup", "$c", "$u", "$lo", "$lc", "$o", "$k", "$s", "$st", "$attrs");
            InsertList = Create("INSERT OR IGNORE INTO contact_lists (contact_id, tenant, list) VALUES ($id, $t, $l)", "$id", "$t", "$l");
            InsertSuppression = Create(
                "INSERT OR REPLACE INTO contact_suppressions (contact_id, tenant, scope, reason, at) VALUES ($id, $t, $scope, $r, $at)", "$id", "$t", "$scope", "$r", "$at");
            var search = new List<string> { "$id", "$tenant", "$sup", "$role", "$c", "$u", "$lo", "$lc", "$o", "$k", "$s", "$st", "$d", "$lists", "$sups" };
            search.AddRange(Enumerable.Range(0, SlotColumns.NumberCount).Select(i => "$n" + i.ToString(CultureInfo.InvariantCulture)));
            search.AddRange(Enumerable.Range(0, SlotColumns.TextCount).Select(i => "$t" + i.ToString(CultureInfo.InvariantCulture)));
            UpsertSearch = Create(SqliteContactReadModel.UpsertSearch, [.. search]);
            InsertOverflow = Create("INSERT OR REPLACE INTO contact_overflow (contact_id, tenant, name, str, num) VALUES ($id, $t, $n, $str, $num)", "$id", "$t", "$n", "$str", "$num");
            FindSlot = Create("SELECT kind, slot FROM contact_slots WHERE tenant = $t AND name = $n", "$t", "$n");
            CountSlots = Create("SELECT count(*) FROM contact_slots WHERE tenant = $t AND kind = $k AND slot IS NOT NULL", "$t", "$k");
            InsertSlot = Create("INSERT INTO contact_slots (tenant, name, kind, slot) VALUES ($t, $n, $k, $s)", "$t", "$n", "$k", "$s");
            FindId = Create("SELECT id FROM contacts WHERE tenant = $t AND address = $a", "$t", "$a");
            DeleteContact = Create("DELETE FROM contacts WHERE id = $id", "$id");
            DeleteMemberships = Create("DELETE FROM segment_members WHERE tenant = $t AND address = $a", "$t", "$a");
            DeleteChildren =
            [
                Create("DELETE FROM contact_lists WHERE contact_id = $id", "$id"),
                Create("DELETE FROM contact_suppressions WHERE contact_id = $id", "$id"),
                Create("DELETE FROM contact_overflow WHERE contact_id = $id", "$id"),
                Create("DELETE FROM contact_search WHERE id = $id", "$id"),
            ];
        }

        public SqliteCommand Upsert { get; }

        public SqliteCommand InsertList { get; }

        public SqliteCommand InsertSuppression { get; }

        public SqliteCommand UpsertSearch { get; }

        public SqliteCommand InsertOverflow { get; }

        public SqliteCommand FindSlot { get; }

        public SqliteCommand CountSlots { get; }

        public SqliteCommand InsertSlot { get; }

        public SqliteCommand FindId { get; }

        public SqliteCommand DeleteContact { get; }

        public SqliteCommand DeleteMemberships { get; }

        public SqliteCommand[] DeleteChildren { get; }

        public void Dispose()
        {
            foreach (var command in _all)
            {
                command.Dispose();
            }
        }
    }
}

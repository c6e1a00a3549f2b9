using System.Text.Json;
using MailMesh.Grains.Contacts;
using Microsoft.Data.Sqlite;

namespace MailMesh.Audience.ReadModel;

public sealed partial class SqliteContactReadModel
{
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS contacts (
            id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, address TEXT NOT NULL, version INTEGER NOT NULL, domain TEXT NOT NULL,
            role_address INTEGER NOT NULL, suppressed INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
            last_open_at INTEGER, last_click_at INTEGER, opens INTEGER NOT NULL, clicks INTEGER NOT NULL, score REAL NOT NULL, status TEXT,
            attributes TEXT NOT NULL, UNIQUE (tenant, address));
        CREATE TABLE IF NOT EXISTS contact_attributes (contact_id INTEGER NOT NULL, tenant TEXT NOT NULL, name TEXT NOT NULL, str TEXT, num REAL);
        CREATE INDEX IF NOT EXISTS contact_attributes_by_contact ON contact_attributes (contact_id);
        CREATE INDEX IF NOT EXISTS contact_attributes_by_str ON contact_attributes (tenant, name, str, contact_id);
        CREATE INDEX IF NOT EXISTS contact_attributes_by_num ON contact_attributes (tenant, name, num, contact_id);
        CREATE TABLE IF NOT EXISTS contact_lists (
            contact_id INTEGER NOT NULL, tenant TEXT NOT NULL, list TEXT NOT NULL, PRIMARY KEY (contact_id, list)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS contact_lists_by_list ON contact_lists (tenant, list, contact_id);
        CREATE TABLE IF NOT EXISTS contact_suppressions (
            contact_id INTEGER NOT NULL, tenant TEXT NOT NULL, scope TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL,
            PRIMARY KEY (contact_id, scope, reason)) WITHOUT ROWID;
        """;

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

    private static void Commit(SqliteConnection connection, IReadOnlyList<PendingWrite> batch)
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
            }
        }

        transaction.Commit();
    }

    private static void Upsert(Statements s, ContactInfo c)
    {
        var p = s.Upsert.Parameters;
        p["$t"].Value = c.Tenant;
        p["$a"].Value = c.Address;
        p["$v"].Value = c.Version;
        p["$d"].Value = c.Address[(c.Address.LastIndexOf('@') + 1)..];
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
        var attr = s.InsertAttribute.Parameters;
        attr["$id"].Value = id;
        attr["$t"].Value = c.Tenant;
        foreach (var (name, value) in c.Attributes)
        {
            attr["$n"].Value = name;
            foreach (var (text, number) in Cells(value))
            {
                attr["$str"].Value = (object?)text ?? DBNull.Value;
                attr["$num"].Value = number is { } n ? n : DBNull.Value;
                s.InsertAttribute.ExecuteNonQuery();
            }
        }

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
    }

    /// <summary>The side-table cells of a value: strings in <c>str</c>, numbers, dates (Unix seconds) and bools (0/1) in
    /// <c>num</c>, one row per list item.</summary>
    internal static IEnumerable<(string? Text, double? Number)> Cells(AttributeValue value) => value.Type switch
    {
        AttributeType.String => [(value.String, null)],
        AttributeType.Number => [(null, value.Number)],
        AttributeType.Date => [(null, value.Date!.Value.ToUnixTimeSeconds())],
        AttributeType.Bool => [(null, value.Bool == true ? 1 : 0)],
        AttributeType.List => value.List!.Select(item => ((string?)item, (double?)null)),
        _ => [],
    };

    /// <summary>The stored name of a suppression reason.</summary>
    internal static string Reason(SuppressionReason reason) => reason switch
    {
        SuppressionReason.Unsubscribed => "unsubscribed",
        SuppressionReason.HardBounced => "hard_bounced",
        SuppressionReason.Complained => "complained",
        _ => "manual",
    };

    private static void DeleteChildren(Statements s, long id)
    {
        foreach (var delete in s.DeleteChildren)
        {
            delete.Parameters["$id"].Value = id;
            delete.ExecuteNonQuery();
        }
    }

    private sealed record PendingWrite(string Tenant, string Address, ContactInfo? Contact)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The prepared statements of one transaction.</summary>
    private sealed class Statements : IDisposable
    {
        public Statements(SqliteConnection connection, SqliteTransaction transaction)
        {
            Upsert = Create(connection, transaction, UpsertContact, "$t", "$a", "$v", "$d", "$role", "$sup", "$c", "$u", "$lo", "$lc", "$o", "$k", "$s", "$st", "$attrs");
            InsertAttribute = Create(connection, transaction, "INSERT INTO contact_attributes (contact_id, tenant, name, str, num) VALUES ($id, $t, $n, $str, $num)", "$id", "$t", "$n", "$str", "$num");
            InsertList = Create(connection, transaction, "INSERT OR IGNORE INTO contact_lists (contact_id, tenant, list) VALUES ($id, $t, $l)", "$id", "$t", "$l");
            InsertSuppression = Create(connection, transaction,
                "INSERT OR REPLACE INTO contact_suppressions (contact_id, tenant, scope, reason, at) VALUES ($id, $t, $scope, $r, $at)", "$id", "$t", "$scope", "$r", "$at");
            FindId = Create(connection, transaction, "SELECT id FROM contacts WHERE tenant = $t AND address = $a", "$t", "$a");
            DeleteContact = Create(connection, transaction, "DELETE FROM contacts WHERE id = $id", "$id");
            DeleteChildren =
            [
                Create(connection, transaction, "DELETE FROM contact_attributes WHERE contact_id = $id", "$id"),
                Create(connection, transaction, "DELETE FROM contact_lists WHERE contact_id = $id", "$id"),
                Create(connection, transaction, "DELETE FROM contact_suppressions WHERE contact_id = $id", "$id"),
            ];
        }

        public SqliteCommand Upsert { get; }

        public SqliteCommand InsertAttribute { get; }

        public SqliteCommand InsertList { get; }

        public SqliteCommand InsertSuppression { get; }

        public SqliteCommand FindId { get; }

        public SqliteCommand DeleteContact { get; }

        public SqliteCommand[] DeleteChildren { get; }

        public void Dispose()
        {
            foreach (var command in new[] { Upsert, InsertAttribute, InsertList, InsertSuppression, FindId, DeleteContact }.Concat(DeleteChildren))
            {
                command.Dispose();
            }
        }

        private static SqliteCommand Create(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter { ParameterName = name, Value = DBNull.Value });
            }

            return command;
        }
    }
}

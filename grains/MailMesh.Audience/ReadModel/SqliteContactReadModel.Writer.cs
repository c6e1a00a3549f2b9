using System.Buffers;
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
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
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
        WriterSession? session = null;
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
                    session ??= await OpenWriterAsync().ConfigureAwait(false);
                    Commit(session, batch);
                    batch.ForEach(w => w.Done.TrySetResult());
                }
                catch (Exception)
                {
                    _slots.Clear(); // slots given in the failed transaction were rolled back with it
                    // One bad row must not fail its neighbours: commit them one by one, each with its own outcome. A
                    // connection that failed is replaced first (a disk or file error may have left it unusable).
                    if (session is not null)
                    {
                        await session.DisposeAsync().ConfigureAwait(false);
                        session = null;
                    }

                    foreach (var write in batch)
                    {
                        try
                        {
                            session ??= await OpenWriterAsync().ConfigureAwait(false);
                            Commit(session, [write]);
                            write.Done.TrySetResult();
                        }
                        catch (Exception e)
                        {
                            _slots.Clear();
                            if (session is not null)
                            {
                                await session.DisposeAsync().ConfigureAwait(false);
                                session = null;
                            }

                            write.Done.TrySetException(e);
                        }
                    }
                }

                batch.Clear();
            }
        }
        finally
        {
            if (session is not null)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<WriterSession> OpenWriterAsync()
    {
        var connection = await OpenAsync().ConfigureAwait(false);
        try
        {
            // The writer keeps up to 16 MiB of pages (the default 2 MiB is less than one import step dirties, and a page
            // spilled before the commit is written to the WAL twice; a bigger cache costs a walk of all of it at commits
            // after a page split, docs/adr/storage-02-writer-page-cache.md) and checkpoints every 64 MiB of WAL instead of
            // 4 MiB, so a page changed by many commits is copied into the file once
            // (docs/adr/audience-06-import-write-amplification.md).
            await using (var pragma = connection.CreateCommand())
            {
                pragma.CommandText = "PRAGMA cache_size = -16384; PRAGMA wal_autocheckpoint = 16384; PRAGMA journal_size_limit = 67108864";
                await pragma.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            return new WriterSession(connection, new Statements(connection));
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void Commit(WriterSession session, IReadOnlyList<PendingWrite> batch)
    {
        using var transaction = session.Connection.BeginTransaction();
        var statements = session.Statements;
        foreach (var write in batch)
        {
            if (write.Many is { } many)
            {
                foreach (var contact in many)
                {
                    Upsert(statements, contact);
                }
            }
            else if (write.Contact is { } contact)
            {
                Upsert(statements, contact);
            }
            else
            {
                if (statements.FindId.Text(1, write.Tenant).Text(2, write.Address).ScalarInt64() is { } id)
                {
                    DeleteChildren(statements, id);
                    statements.DeleteContact.Int64(1, id).Execute();
                }

                // A deleted or erased contact leaves every frozen segment too.
                statements.DeleteMemberships.Text(1, write.Tenant).Text(2, write.Address).Execute();
            }
        }

        transaction.Commit();
    }

    private void Upsert(Statements s, ContactInfo c)
    {
        var u = s.Upsert;
        u.Text(1, c.Tenant).Text(2, c.Address).Int64(3, c.Version).Text(4, Domain(c.Address)).Int64(5, c.RoleAddress ? 1 : 0)
            .Int64(6, c.Mailable ? 0 : 1).Int64(7, c.CreatedAt.ToUnixTimeMilliseconds()).Int64(8, c.UpdatedAt.ToUnixTimeMilliseconds())
            .Int64(9, c.Engagement.LastOpenAt?.ToUnixTimeMilliseconds()).Int64(10, c.Engagement.LastClickAt?.ToUnixTimeMilliseconds())
            .Int64(11, c.Engagement.Opens).Int64(12, c.Engagement.Clicks).Double(13, c.Engagement.Score).Text(14, c.Engagement.Status)
            .Utf8(15, AttributesJson(s, c));
        if (u.ScalarInt64() is not { } id)
        {
            return; // the stored row is as new or newer
        }

        DeleteChildren(s, id);
        foreach (var name in c.Lists)
        {
            s.InsertList.Int64(1, id).Text(2, c.Tenant).Text(3, name).Execute();
        }

        foreach (var suppression in c.Suppressions)
        {
            s.InsertSuppression.Int64(1, id).Text(2, c.Tenant).Text(3, suppression.Scope).Text(4, Reason(suppression.Reason))
                .Int64(5, suppression.At.ToUnixTimeMilliseconds()).Execute();
        }

        WriteSearchRow(s, c, id);
    }

    /// <summary>The contact's attributes as one JSON object of invariant strings (the <c>attributes</c> column), written
    /// into the statements' reused buffer.</summary>
    private static ReadOnlySpan<byte> AttributesJson(Statements s, ContactInfo c)
    {
        s.Json.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(s.Json))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in c.Attributes)
            {
                writer.WriteString(name, value.ToInvariantString());
            }

            writer.WriteEndObject();
        }

        return s.Json.WrittenSpan;
    }

    /// <summary>The contact's <c>contact_search</c> row (and <c>contact_overflow</c> rows for attributes beyond the
    /// typed columns).</summary>
    private void WriteSearchRow(Statements s, ContactInfo c, long id)
    {
        var p = s.UpsertSearch;
        p.ClearBindings();
        p.Int64(1, id).Text(2, c.Tenant).Int64(3, c.Mailable ? 0 : 1).Int64(4, c.RoleAddress ? 1 : 0)
            .Int64(5, c.CreatedAt.ToUnixTimeMilliseconds()).Int64(6, c.UpdatedAt.ToUnixTimeMilliseconds())
            .Int64(7, c.Engagement.LastOpenAt?.ToUnixTimeMilliseconds()).Int64(8, c.Engagement.LastClickAt?.ToUnixTimeMilliseconds())
            .Int64(9, c.Engagement.Opens).Int64(10, c.Engagement.Clicks).Double(11, c.Engagement.Score).Text(12, c.Engagement.Status)
            .Text(13, Domain(c.Address)).Text(14, SlotColumns.Pack(c.Lists)).Text(15, PackSuppressions(c.Suppressions));
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
                if (slot.IsText)
                {
                    p.Text(FirstTextPosition + index, text);
                }
                else
                {
                    p.Double(FirstNumberPosition + index, number);
                }
            }
            else
            {
                s.InsertOverflow.Int64(1, id).Text(2, c.Tenant).Text(3, name).Text(4, text).Double(5, number).Execute();
            }
        }

        p.Execute();
    }

    private static string? PackSuppressions(IReadOnlyList<Suppression> suppressions)
    {
        if (suppressions.Count == 0)
        {
            return null;
        }

        var items = new string[suppressions.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = suppressions[i].Scope + ":" + Reason(suppressions[i].Reason);
        }

        return SlotColumns.Pack(items);
    }

    /// <summary>The attribute's slot, given on first use (the single writer gives slots, so two never collide).</summary>
    private AttributeSlot Slot(Statements s, string tenant, string name, bool text)
    {
        if (_slots.TryGetValue((tenant, name), out var known))
        {
            return known;
        }

        if (s.FindSlot.Text(1, tenant).Text(2, name).FirstRow() is { } row)
        {
            known = new AttributeSlot(name, row.Text == "t", row.Number is { } n ? (int)n : null);
        }
        else
        {
            var used = s.CountSlots.Text(1, tenant).Text(2, text ? "t" : "n").ScalarInt64() ?? 0;
            known = new AttributeSlot(name, text, used < (text ? SlotColumns.TextCount : SlotColumns.NumberCount) ? (int)used : null);
            s.InsertSlot.Text(1, tenant).Text(2, name).Text(3, text ? "t" : "n").Int64(4, known.Index).Execute();
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
            delete.Int64(1, id).Execute();
        }
    }

    /// <summary>Position of the first number column's parameter in <see cref="UpsertSearch"/> (<c>n0</c>).</summary>
    private const int FirstNumberPosition = 16;

    /// <summary>Position of the first text column's parameter in <see cref="UpsertSearch"/> (<c>t0</c>).</summary>
    private const int FirstTextPosition = FirstNumberPosition + SlotColumns.NumberCount;

    private static string UpsertSearchSql()
    {
        // Numbered parameters: 1-15 the fixed columns, then n0.. and t0.. (see FirstNumberPosition/FirstTextPosition).
        var columns = new StringBuilder("id, tenant, suppressed, role_address, created_at, updated_at, last_open_at, last_click_at, opens, clicks, score, status, domain, lists, sup");
        var values = new StringBuilder("?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15");
        var position = FirstNumberPosition;
        foreach (var (prefix, count) in new[] { ("n", SlotColumns.NumberCount), ("t", SlotColumns.TextCount) })
        {
            for (var i = 0; i < count; i++)
            {
                columns.Append(", ").Append(prefix).Append(i);
                values.Append(", ?").Append(position++);
            }
        }

        return $"INSERT OR REPLACE INTO contact_search ({columns}) VALUES ({values})";
    }

    private static readonly string UpsertSearch = UpsertSearchSql();

    /// <summary>A queued write: one contact's row, many contacts' rows (one import step), or a deletion (no contact).</summary>
    private sealed record PendingWrite(string Tenant, string Address, ContactInfo? Contact, IReadOnlyList<ContactInfo>? Many = null)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The writer's connection and its prepared statements (finalized before the connection goes back to the pool).</summary>
    private sealed class WriterSession(SqliteConnection connection, Statements statements) : IAsyncDisposable
    {
        public SqliteConnection Connection { get; } = connection;

        public Statements Statements { get; } = statements;

        public async ValueTask DisposeAsync()
        {
            Statements.Dispose();
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The writer's prepared statements, kept for the life of its connection. Parameters are numbered (?1…)
    /// in the order of the SQL text.</summary>
    private sealed class Statements : IDisposable
    {
        private readonly List<SqliteRawStatement> _all = [];

        public Statements(SqliteConnection connection)
        {
            SqliteRawStatement Create(string sql)
            {
                var statement = new SqliteRawStatement(connection, sql);
                _all.Add(statement);
                return statement;
            }

            try
            {
                Upsert = Create(UpsertContact);
                InsertList = Create("INSERT OR IGNORE INTO contact_lists (contact_id, tenant, list) VALUES (?1, ?2, ?3)");
                InsertSuppression = Create("INSERT OR REPLACE INTO contact_suppressions (contact_id, tenant, scope, reason, at) VALUES (?1, ?2, ?3, ?4, ?5)");
                UpsertSearch = Create(SqliteContactReadModel.UpsertSearch);
                InsertOverflow = Create("INSERT OR REPLACE INTO contact_overflow (contact_id, tenant, name, str, num) VALUES (?1, ?2, ?3, ?4, ?5)");
                FindSlot = Create("SELECT kind, slot FROM contact_slots WHERE tenant = ?1 AND name = ?2");
                CountSlots = Create("SELECT count(*) FROM contact_slots WHERE tenant = ?1 AND kind = ?2 AND slot IS NOT NULL");
                InsertSlot = Create("INSERT INTO contact_slots (tenant, name, kind, slot) VALUES (?1, ?2, ?3, ?4)");
                FindId = Create("SELECT id FROM contacts WHERE tenant = ?1 AND address = ?2");
                DeleteContact = Create("DELETE FROM contacts WHERE id = ?1");
                DeleteMemberships = Create("DELETE FROM segment_members WHERE tenant = ?1 AND address = ?2");
                DeleteChildren =
                [
                    Create("DELETE FROM contact_lists WHERE contact_id = ?1"),
                    Create("DELETE FROM contact_suppressions WHERE contact_id = ?1"),
                    Create("DELETE FROM contact_overflow WHERE contact_id = ?1"),
                    Create("DELETE FROM contact_search WHERE id = ?1"),
                ];
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        /// <summary>The reused buffer of the <c>attributes</c> JSON.</summary>
        public ArrayBufferWriter<byte> Json { get; } = new(1024);

        public SqliteRawStatement Upsert { get; } = null!;

        public SqliteRawStatement InsertList { get; } = null!;

        public SqliteRawStatement InsertSuppression { get; } = null!;

        public SqliteRawStatement UpsertSearch { get; } = null!;

        public SqliteRawStatement InsertOverflow { get; } = null!;

        public SqliteRawStatement FindSlot { get; } = null!;

        public SqliteRawStatement CountSlots { get; } = null!;

        public SqliteRawStatement InsertSlot { get; } = null!;

        public SqliteRawStatement FindId { get; } = null!;

        public SqliteRawStatement DeleteContact { get; } = null!;

        public SqliteRawStatement DeleteMemberships { get; } = null!;

        public SqliteRawStatement[] DeleteChildren { get; } = [];

        public void Dispose()
        {
            foreach (var statement in _all)
            {
                statement.Dispose();
            }

            _all.Clear();
        }
    }
}

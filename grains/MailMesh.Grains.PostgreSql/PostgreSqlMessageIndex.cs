using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Runtime.PostgreSql;
using Npgsql;
using NpgsqlTypes;

namespace MailMesh.Grains.PostgreSql;

/// <summary>The message index in the <c>messages</c> table of the cluster's PostgreSQL schema (the store's schema and
/// connection pool), with the same behaviour as <see cref="SqliteMessageIndex"/>: idempotent batch upserts, flag
/// updates, deletes, listing and search. Every batch is one statement (arrays unnested server-side).</summary>
public sealed partial class PostgreSqlMessageIndex : IMessageIndex
{
    /// <summary>The component name of the index's tables (<see cref="PostgreSqlStore.MigrateComponentAsync"/>).</summary>
    public const string Component = "message_index";

    private const string Columns =
        "mailbox, folder_id, folder, uidvalidity, uid, flags, from_addr, to_addr, subject, date, date_ticks, date_offset, size, message_id, in_reply_to, refs, blob_name, modseq, source_id, tags, priority";

    private static readonly PostgreSqlSchemaStep[] Steps =
    [
        new(1, "messages", """
            CREATE TABLE {s}.messages (
                mailbox text NOT NULL, folder_id text NOT NULL, folder text NOT NULL, uidvalidity bigint NOT NULL, uid bigint NOT NULL,
                flags text NOT NULL, from_addr text, to_addr text, subject text,
                date timestamptz, date_ticks smallint, date_offset smallint,
                size bigint NOT NULL, message_id text, in_reply_to text, refs text, blob_name text NOT NULL, modseq bigint NOT NULL, source_id text,
                PRIMARY KEY (mailbox, folder_id, uidvalidity, uid));
            CREATE INDEX messages_by_message_id ON {s}.messages (mailbox, message_id);
            """),
        new(2, "message labels", """
            ALTER TABLE {s}.messages ADD COLUMN tags text NOT NULL DEFAULT '', ADD COLUMN priority text;
            """),
    ];

    private readonly PostgreSqlStore _store;
    private readonly string _table;

    /// <summary>Uses <paramref name="store"/>'s schema and connections (it does not own the store).</summary>
    public PostgreSqlMessageIndex(PostgreSqlStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _table = store.Qualify("messages");
    }

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) =>
        _store.MigrateComponentAsync(Component, Steps, cancellationToken);

    /// <inheritdoc />
    public Task UpsertAsync(IReadOnlyList<IndexedMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return Task.CompletedTask;
        }

        // The last row wins when a batch names one message twice (as INSERT OR REPLACE row by row would do).
        var rows = messages.GroupBy(m => (m.Mailbox, m.FolderId, m.UidValidity, m.Uid)).Select(g => g.Last()).ToArray();
        var sql = $"""
            INSERT INTO {_table} ({Columns})
            SELECT * FROM unnest(@m, @fid, @f, @v, @u, @fl, @fr, @to, @s, @d, @dt, @do, @sz, @mid, @irt, @refs, @b, @ms, @sid, @tg, @pr)
            ON CONFLICT (mailbox, folder_id, uidvalidity, uid) DO UPDATE SET
                folder = excluded.folder, flags = excluded.flags, from_addr = excluded.from_addr, to_addr = excluded.to_addr,
                subject = excluded.subject, date = excluded.date, date_ticks = excluded.date_ticks, date_offset = excluded.date_offset,
                size = excluded.size, message_id = excluded.message_id, in_reply_to = excluded.in_reply_to, refs = excluded.refs,
                blob_name = excluded.blob_name, modseq = excluded.modseq, source_id = excluded.source_id
            """;
        return _store.RunAsync($"indexing {rows.Length} message(s) of {rows[0].Mailbox}", repeatable: true, (sql, rows), static async (connection, args, ct) =>
        {
            var r = args.rows;
            await using var command = new NpgsqlCommand(args.sql, connection);
            Text(command, "m", r.Select(x => x.Mailbox));
            Text(command, "fid", r.Select(x => x.FolderId));
            Text(command, "f", r.Select(x => x.Folder));
            command.Parameters.Add(new NpgsqlParameter<long[]>("v", r.Select(x => (long)x.UidValidity).ToArray()));
            command.Parameters.Add(new NpgsqlParameter<long[]>("u", r.Select(x => (long)x.Uid).ToArray()));
            Text(command, "fl", r.Select(x => x.Flags));
            Text(command, "fr", r.Select(x => x.From));
            Text(command, "to", r.Select(x => x.To));
            Text(command, "s", r.Select(x => x.Subject));
            command.Parameters.Add(new NpgsqlParameter("d", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
            {
                Value = r.Select(x => x.Date is { } d ? (object)new DateTime(d.UtcTicks - (d.UtcTicks % 10), DateTimeKind.Utc) : DBNull.Value).ToArray(),
            });
            command.Parameters.Add(new NpgsqlParameter("dt", NpgsqlDbType.Array | NpgsqlDbType.Smallint)
            {
                Value = r.Select(x => x.Date is { } d ? (object)(short)(d.UtcTicks % 10) : DBNull.Value).ToArray(),
            });
            command.Parameters.Add(new NpgsqlParameter("do", NpgsqlDbType.Array | NpgsqlDbType.Smallint)
            {
                Value = r.Select(x => x.Date is { } d ? (object)(short)d.Offset.TotalMinutes : DBNull.Value).ToArray(),
            });
            command.Parameters.Add(new NpgsqlParameter<long[]>("sz", r.Select(x => x.Size).ToArray()));
            Text(command, "mid", r.Select(x => x.MessageId));
            Text(command, "irt", r.Select(x => x.InReplyTo));
            Text(command, "refs", r.Select(x => x.References));
            Text(command, "b", r.Select(x => x.BlobName));
            command.Parameters.Add(new NpgsqlParameter<long[]>("ms", r.Select(x => unchecked((long)x.ModSeq)).ToArray()));
            Text(command, "sid", r.Select(x => x.SourceId));
            Text(command, "tg", r.Select(x => x.Tags));
            Text(command, "pr", r.Select(x => x.Priority));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<uint, (string Flags, ulong ModSeq)>> GetFlagsAsync(string mailbox, string folderId, uint uidValidity, CancellationToken cancellationToken = default) =>
        _store.RunAsync($"reading the flags of folder {folderId} of {mailbox}", repeatable: true, (Sql: $"SELECT uid, flags, modseq FROM {_table} WHERE mailbox = @m AND folder_id = @f AND uidvalidity = @v", mailbox, folderId, uidValidity), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Sql, connection);
            AddFolder(command, args.mailbox, args.folderId, args.uidValidity);
            var result = new Dictionary<uint, (string, ulong)>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                result[(uint)reader.GetInt64(0)] = (reader.GetString(1), unchecked((ulong)reader.GetInt64(2)));
            }

            return (IReadOnlyDictionary<uint, (string Flags, ulong ModSeq)>)result;
        }, cancellationToken);

    /// <inheritdoc />
    public Task UpdateFlagsAsync(string mailbox, string folderId, uint uidValidity, IReadOnlyList<(uint Uid, string Flags, ulong ModSeq)> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return Task.CompletedTask;
        }

        var sql = $"""
            UPDATE {_table} AS t SET flags = c.flags, modseq = GREATEST(t.modseq, c.modseq)
            FROM unnest(@uids, @flags, @modseqs) AS c(uid, flags, modseq)
            WHERE t.mailbox = @m AND t.folder_id = @f AND t.uidvalidity = @v AND t.uid = c.uid
            """;
        // One change per UID (the last), as applying them one by one would leave.
        var last = changes.GroupBy(c => c.Uid).Select(g => g.Last()).ToArray();
        return _store.RunAsync($"updating flags in folder {folderId} of {mailbox}", repeatable: true, (sql, mailbox, folderId, uidValidity, last), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.sql, connection);
            AddFolder(command, args.mailbox, args.folderId, args.uidValidity);
            command.Parameters.Add(new NpgsqlParameter<long[]>("uids", args.last.Select(c => (long)c.Uid).ToArray()));
            command.Parameters.Add(new NpgsqlParameter<string[]>("flags", args.last.Select(c => c.Flags).ToArray()));
            command.Parameters.Add(new NpgsqlParameter<long[]>("modseqs", args.last.Select(c => unchecked((long)c.ModSeq)).ToArray()));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> UpdateLabelsAsync(string mailbox, string folderId, uint uidValidity, uint uid, IReadOnlyCollection<string> addTags, string? priority, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(addTags);
        var added = addTags.Select(TagText.Normalize).OfType<string>().ToArray();
        // Read, merge and write under a row lock, so two label updates of one message cannot lose a tag.
        var select = $"SELECT tags FROM {_table} WHERE mailbox = @m AND folder_id = @f AND uidvalidity = @v AND uid = @u FOR UPDATE";
        var update = $"UPDATE {_table} SET tags = @tg, priority = COALESCE(@pr, priority) WHERE mailbox = @m AND folder_id = @f AND uidvalidity = @v AND uid = @u";
        return _store.RunAsync($"labelling message {uid} of folder {folderId} of {mailbox}", repeatable: true, (select, update, mailbox, folderId, uidValidity, uid, added, priority), static async (connection, args, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand(args.select, connection, transaction);
            AddFolder(command, args.mailbox, args.folderId, args.uidValidity);
            command.Parameters.Add(new NpgsqlParameter<long>("u", args.uid));
            if (await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is not string current)
            {
                return false;
            }

            command.CommandText = args.update;
            command.Parameters.Add(new NpgsqlParameter<string>("tg", TagText.Merge(current, args.added)));
            command.Parameters.Add(new NpgsqlParameter("pr", NpgsqlDbType.Text) { Value = (object?)args.priority ?? DBNull.Value });
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task DeleteAsync(string mailbox, string folderId, uint uidValidity, IReadOnlyCollection<uint> uids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        return _store.RunAsync($"deleting {uids.Count} message(s) of folder {folderId} of {mailbox}", repeatable: true,
            (Sql: $"DELETE FROM {_table} WHERE mailbox = @m AND folder_id = @f AND uidvalidity = @v AND uid = ANY(@uids)", mailbox, folderId, uidValidity, uids), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Sql, connection);
            AddFolder(command, args.mailbox, args.folderId, args.uidValidity);
            command.Parameters.Add(new NpgsqlParameter<long[]>("uids", args.uids.Select(u => (long)u).ToArray()));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task DeleteFolderAsync(string mailbox, string folderId, uint? keepUidValidity, CancellationToken cancellationToken = default) =>
        _store.RunAsync($"deleting folder {folderId} of {mailbox}", repeatable: true,
            (Sql: $"DELETE FROM {_table} WHERE mailbox = @m AND folder_id = @f AND (@keep::bigint IS NULL OR uidvalidity <> @keep)", mailbox, folderId, keepUidValidity), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("m", args.mailbox));
            command.Parameters.Add(new NpgsqlParameter<string>("f", args.folderId));
            command.Parameters.Add(new NpgsqlParameter("keep", NpgsqlDbType.Bigint) { Value = args.keepUidValidity is { } k ? (long)k : DBNull.Value });
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc />
    public Task RenameFolderAsync(string mailbox, string folderId, string newName, CancellationToken cancellationToken = default) =>
        _store.RunAsync($"renaming folder {folderId} of {mailbox}", repeatable: true,
            (Sql: $"UPDATE {_table} SET folder = @n WHERE mailbox = @m AND folder_id = @f", mailbox, folderId, newName), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("m", args.mailbox));
            command.Parameters.Add(new NpgsqlParameter<string>("f", args.folderId));
            command.Parameters.Add(new NpgsqlParameter<string>("n", args.newName));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<IndexedMessage>> ListAsync(string mailbox, string? folder = null, int limit = 1000, CancellationToken cancellationToken = default) =>
        _store.RunAsync($"listing the messages of {mailbox}", repeatable: true,
            (Sql: $"SELECT {Columns} FROM {_table} WHERE mailbox = @m AND (@f::text IS NULL OR folder = @f) ORDER BY folder COLLATE \"C\", uidvalidity, uid LIMIT @l", mailbox, folder, limit), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("m", args.mailbox));
            command.Parameters.Add(new NpgsqlParameter("f", NpgsqlDbType.Text) { Value = (object?)args.folder ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter<int>("l", args.limit));
            return (IReadOnlyList<IndexedMessage>)await ReadRowsAsync(command, keys: null, ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<long> CountAsync(string mailbox, CancellationToken cancellationToken = default) =>
        _store.RunAsync($"counting the messages of {mailbox}", repeatable: true, (Sql: $"SELECT count(*) FROM {_table} WHERE mailbox = @m", mailbox), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("m", args.mailbox));
            return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }, cancellationToken);

    private static void AddFolder(NpgsqlCommand command, string mailbox, string folderId, uint uidValidity)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("m", mailbox));
        command.Parameters.Add(new NpgsqlParameter<string>("f", folderId));
        command.Parameters.Add(new NpgsqlParameter<long>("v", uidValidity));
    }

    private static void Text(NpgsqlCommand command, string name, IEnumerable<string?> values) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.Select(v => (object?)v ?? DBNull.Value).ToArray() });

    private static async Task<List<IndexedMessage>> ReadRowsAsync(NpgsqlCommand command, List<long>? keys, CancellationToken cancellationToken)
    {
        var rows = new List<IndexedMessage>();
        await using var r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            DateTimeOffset? date = r.IsDBNull(9)
                ? null
                : new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(9), DateTimeKind.Utc).AddTicks(r.GetInt16(10))).ToOffset(TimeSpan.FromMinutes(r.GetInt16(11)));
            rows.Add(new IndexedMessage(
                r.GetString(0), r.GetString(1), r.GetString(2), (uint)r.GetInt64(3), (uint)r.GetInt64(4), r.GetString(5),
                Nullable(r, 6), Nullable(r, 7), Nullable(r, 8), date, r.GetInt64(12), Nullable(r, 13), Nullable(r, 14), Nullable(r, 15),
                r.GetString(16), unchecked((ulong)r.GetInt64(17)), Nullable(r, 18), r.GetString(19), Nullable(r, 20)));
            keys?.Add(r.GetInt64(21));
        }

        return rows;
    }

    private static string? Nullable(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}

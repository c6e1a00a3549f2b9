using System.Globalization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>The message index in its own SQLite file (WAL, one short transaction per batch).</summary>
public sealed partial class SqliteMessageIndex : IMessageIndex
{
    private const string Columns =
        "mailbox, folder_id, folder, uidvalidity, uid, flags, from_addr, to_addr, subject, date, size, message_id, in_reply_to, refs, blob_name, modseq, source_id, tags, priority";

    // Every column but the key and the rule labels (tags, priority), which a sync writing a row again keeps.
    private const string UpsertUpdate =
        "folder = excluded.folder, flags = excluded.flags, from_addr = excluded.from_addr, to_addr = excluded.to_addr, subject = excluded.subject, "
        + "date = excluded.date, size = excluded.size, message_id = excluded.message_id, in_reply_to = excluded.in_reply_to, refs = excluded.refs, "
        + "blob_name = excluded.blob_name, modseq = excluded.modseq, source_id = excluded.source_id";

    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS messages (
            mailbox TEXT NOT NULL, folder_id TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,
            flags TEXT NOT NULL, from_addr TEXT, to_addr TEXT, subject TEXT, date TEXT, size INTEGER NOT NULL,
            message_id TEXT, in_reply_to TEXT, refs TEXT, blob_name TEXT NOT NULL, modseq INTEGER NOT NULL, source_id TEXT,
            PRIMARY KEY (mailbox, folder_id, uidvalidity, uid)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS messages_by_message_id ON messages (mailbox, message_id);
        """;

    private readonly string _connectionString;

    /// <summary>Uses (and creates) the SQLite file at <paramref name="path"/>.</summary>
    public SqliteMessageIndex(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = Schema;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await MigrateAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds the columns later versions need to a file an earlier version created (checked in a write transaction,
    /// so two processes opening the same file at once do not both add them).</summary>
    private static async Task MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT name FROM pragma_table_info('messages')";
        var columns = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                columns.Add(reader.GetString(0));
            }
        }

        if (!columns.Contains("tags"))
        {
            // Version 2: tags and priority set by rules.
            command.CommandText = "ALTER TABLE messages ADD COLUMN tags TEXT NOT NULL DEFAULT ''; ALTER TABLE messages ADD COLUMN priority TEXT;";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task UpsertAsync(IReadOnlyList<IndexedMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        UpsertRows(connection.Handle!, messages, cancellationToken);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    // Positional parameters in column order (Columns).
    private const string UpsertSql = $"INSERT INTO messages ({Columns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) "
        + $"ON CONFLICT (mailbox, folder_id, uidvalidity, uid) DO UPDATE SET {UpsertUpdate}";

    /// <summary>One prepared statement for the batch, bound by position through the SQLite API itself: a sync writes
    /// a batch of up to thousands of rows on its critical path, and binding 19 parameters by name per row through
    /// ADO.NET cost more than the insert. Compiled optimized at once (it runs once per batch, too rarely to tier up soon).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void UpsertRows(sqlite3 db, IReadOnlyList<IndexedMessage> messages, CancellationToken cancellationToken)
    {
        Check(db, raw.sqlite3_prepare_v2(db, UpsertSql, out var statement));
        using (statement)
        {
            foreach (var m in messages)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Text(statement, 1, m.Mailbox);
                Text(statement, 2, m.FolderId);
                Text(statement, 3, m.Folder);
                raw.sqlite3_bind_int64(statement, 4, m.UidValidity);
                raw.sqlite3_bind_int64(statement, 5, m.Uid);
                Text(statement, 6, m.Flags);
                Text(statement, 7, m.From);
                Text(statement, 8, m.To);
                Text(statement, 9, m.Subject);
                Text(statement, 10, m.Date is { } d ? d.ToString("O", CultureInfo.InvariantCulture) : null);
                raw.sqlite3_bind_int64(statement, 11, m.Size);
                Text(statement, 12, m.MessageId);
                Text(statement, 13, m.InReplyTo);
                Text(statement, 14, m.References);
                Text(statement, 15, m.BlobName);
                raw.sqlite3_bind_int64(statement, 16, unchecked((long)m.ModSeq));
                Text(statement, 17, m.SourceId);
                Text(statement, 18, m.Tags);
                Text(statement, 19, m.Priority);
                var rc = raw.sqlite3_step(statement);
                if (rc != raw.SQLITE_DONE)
                {
                    Check(db, rc);
                    throw new SqliteException($"Writing the index row of message {m.Uid} in folder '{m.Folder}' of '{m.Mailbox}' returned SQLite code {rc}.", rc);
                }

                Check(db, raw.sqlite3_reset(statement));
            }
        }
    }

    private static void Text(sqlite3_stmt statement, int index, string? value)
    {
        if (value is null)
        {
            raw.sqlite3_bind_null(statement, index);
        }
        else
        {
            raw.sqlite3_bind_text(statement, index, value);
        }
    }

    private static void Check(sqlite3 db, int rc)
    {
        if (rc is not raw.SQLITE_OK and not raw.SQLITE_DONE and not raw.SQLITE_ROW)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<uint, (string Flags, ulong ModSeq)>> GetFlagsAsync(string mailbox, string folderId, uint uidValidity, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT uid, flags, modseq FROM messages WHERE mailbox = $m AND folder_id = $f AND uidvalidity = $v";
        command.Parameters.AddWithValue("$m", mailbox);
        command.Parameters.AddWithValue("$f", folderId);
        command.Parameters.AddWithValue("$v", (long)uidValidity);
        var result = new Dictionary<uint, (string, ulong)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result[(uint)reader.GetInt64(0)] = (reader.GetString(1), unchecked((ulong)reader.GetInt64(2)));
        }

        return result;
    }

    /// <inheritdoc />
    public async Task UpdateFlagsAsync(string mailbox, string folderId, uint uidValidity, IReadOnlyList<(uint Uid, string Flags, ulong ModSeq)> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE messages SET flags = $fl, modseq = MAX(modseq, $ms) WHERE mailbox = $m AND folder_id = $f AND uidvalidity = $v AND uid = $u";
        command.Parameters.AddWithValue("$m", mailbox);
        command.Parameters.AddWithValue("$f", folderId);
        command.Parameters.AddWithValue("$v", (long)uidValidity);
        var flags = command.Parameters.Add("$fl", SqliteType.Text);
        var modSeq = command.Parameters.Add("$ms", SqliteType.Integer);
        var uid = command.Parameters.Add("$u", SqliteType.Integer);
        foreach (var change in changes)
        {
            flags.Value = change.Flags;
            modSeq.Value = unchecked((long)change.ModSeq);
            uid.Value = (long)change.Uid;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> UpdateLabelsAsync(string mailbox, string folderId, uint uidValidity, uint uid, IReadOnlyCollection<string> addTags, string? priority, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(addTags);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT tags FROM messages WHERE mailbox = $m AND folder_id = $f AND uidvalidity = $v AND uid = $u";
        command.Parameters.AddWithValue("$m", mailbox);
        command.Parameters.AddWithValue("$f", folderId);
        command.Parameters.AddWithValue("$v", (long)uidValidity);
        command.Parameters.AddWithValue("$u", (long)uid);
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string current)
        {
            return false;
        }

        command.CommandText = "UPDATE messages SET tags = $tg, priority = COALESCE($pr, priority) WHERE mailbox = $m AND folder_id = $f AND uidvalidity = $v AND uid = $u";
        command.Parameters.AddWithValue("$tg", TagText.Merge(current, addTags));
        command.Parameters.AddWithValue("$pr", (object?)priority ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public async Task DeleteAsync(string mailbox, string folderId, uint uidValidity, IReadOnlyCollection<uint> uids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uids);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM messages WHERE mailbox = $m AND folder_id = $f AND uidvalidity = $v AND uid = $u";
        command.Parameters.AddWithValue("$m", mailbox);
        command.Parameters.AddWithValue("$f", folderId);
        command.Parameters.AddWithValue("$v", (long)uidValidity);
        var uid = command.Parameters.Add("$u", SqliteType.Integer);
        foreach (var value in uids)
        {
            uid.Value = (long)value;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task DeleteFolderAsync(string mailbox, string folderId, uint? keepUidValidity, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM messages WHERE mailbox = $m AND folder_id = $f AND ($keep IS NULL OR uidvalidity <> $keep)";
        command.Parameters.AddWithValue("$m", mailbox);
        command.Parameters.AddWithValue("$f", folderId);
        command.Parameters.AddWithValue("$keep", keepUidValidity is { } k ? (long)k : DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task RenameFolderAsync(string mailbox, string folderId, string newName, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE messages SET folder = $n WHERE mailbox = $m AND folder_id = $f";
        command.Parameters.AddWithValue("$m", mailbox);
        command.Parameters.AddWithValue("$f", folderId);
        command.Parameters.AddWithValue("$n", newName);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<IndexedMessage>> ListAsync(string mailbox, string? folder = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM messages WHERE mailbox = $m AND ($f IS NULL OR folder = $f) ORDER BY folder, uidvalidity, uid LIMIT $l";
        command.Parameters.AddWithValue("$m", mailbox);
        command.Parameters.AddWithValue("$f", (object?)folder ?? DBNull.Value);
        command.Parameters.AddWithValue("$l", limit);
        var result = new List<IndexedMessage>();
        await using var r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(ReadRow(r));
        }

        return result;
    }

    /// <inheritdoc />
    public async Task<long> CountAsync(string mailbox, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM messages WHERE mailbox = $m";
        command.Parameters.AddWithValue("$m", mailbox);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static string? Text(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }
}

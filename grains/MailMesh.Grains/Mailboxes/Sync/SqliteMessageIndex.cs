using System.Globalization;
using Microsoft.Data.Sqlite;

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
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO messages ({Columns}) VALUES ($m, $fid, $f, $v, $u, $fl, $fr, $to, $s, $d, $sz, $mid, $irt, $refs, $b, $ms, $sid, $tg, $pr) "
            + $"ON CONFLICT (mailbox, folder_id, uidvalidity, uid) DO UPDATE SET {UpsertUpdate}";
        var p = new Dictionary<string, SqliteParameter>();
        foreach (var name in new[] { "$m", "$fid", "$f", "$v", "$u", "$fl", "$fr", "$to", "$s", "$d", "$sz", "$mid", "$irt", "$refs", "$b", "$ms", "$sid", "$tg", "$pr" })
        {
            p[name] = command.Parameters.Add(name, SqliteType.Text);
        }

        foreach (var m in messages)
        {
            p["$m"].Value = m.Mailbox;
            p["$fid"].Value = m.FolderId;
            p["$f"].Value = m.Folder;
            p["$v"].Value = (long)m.UidValidity;
            p["$u"].Value = (long)m.Uid;
            p["$fl"].Value = m.Flags;
            p["$fr"].Value = (object?)m.From ?? DBNull.Value;
            p["$to"].Value = (object?)m.To ?? DBNull.Value;
            p["$s"].Value = (object?)m.Subject ?? DBNull.Value;
            p["$d"].Value = m.Date is { } d ? d.ToString("O", CultureInfo.InvariantCulture) : DBNull.Value;
            p["$sz"].Value = m.Size;
            p["$mid"].Value = (object?)m.MessageId ?? DBNull.Value;
            p["$irt"].Value = (object?)m.InReplyTo ?? DBNull.Value;
            p["$refs"].Value = (object?)m.References ?? DBNull.Value;
            p["$b"].Value = m.BlobName;
            p["$ms"].Value = unchecked((long)m.ModSeq);
            p["$sid"].Value = (object?)m.SourceId ?? DBNull.Value;
            p["$tg"].Value = m.Tags;
            p["$pr"].Value = (object?)m.Priority ?? DBNull.Value;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
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

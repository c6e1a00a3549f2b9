using System.Globalization;
using Microsoft.Data.Sqlite;

namespace MailMesh.Engagement.Bounces;

/// <summary>A bounce kept for review: it could not be classified, or it could not be matched to a campaign send.</summary>
/// <param name="Id">Row id (ascending).</param>
/// <param name="Tenant">The tenant of the mailbox or webhook it came through.</param>
/// <param name="Source">Where it came from: <c>mailbox:{key}</c> or <c>webhook</c>.</param>
/// <param name="SourceKey">The message's id in its source (mailbox message key or webhook event id).</param>
/// <param name="Problem">Why it is kept: <c>unclassified</c>, <c>unmatched</c> or <c>unreadable</c>.</param>
/// <param name="Kind">The classification's kind (snake_case).</param>
/// <param name="Reason">The classification's reason (snake_case).</param>
/// <param name="Recipient">The failed recipient, when known.</param>
/// <param name="Status">The status code, when known.</param>
/// <param name="Diagnostic">The diagnostic, when known.</param>
/// <param name="Subject">The bounce's subject, when known.</param>
/// <param name="Blob">The raw message's blob name, when it came from a mailbox.</param>
/// <param name="ReceivedAt">When it was processed.</param>
public sealed record BounceReviewItem(
    long Id, string Tenant, string Source, string SourceKey, string Problem, string Kind, string Reason, string? Recipient, string? Status,
    string? Diagnostic, string? Subject, string? Blob, DateTimeOffset ReceivedAt);

/// <summary>The embedded silo's <see cref="IBounceStore"/>: the bounce processing tables in one SQLite file: the review list (never dropped: a bounce that cannot be
/// classified or matched stays here), the processed mailbox message keys, and the event-log cursor.</summary>
public sealed class BounceStore : IBounceStore
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _init = new(1, 1);
    private volatile bool _initialized;

    /// <summary>Uses (and creates) the SQLite file at <paramref name="path"/>.</summary>
    public BounceStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    /// <summary>Adds a review item (once per source, source key and recipient); returns its id.</summary>
    public async Task<long> AddReviewAsync(BounceReviewItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO bounce_review(tenant, source, source_key, problem, kind, reason, recipient, recipient_key, status, diagnostic, subject, blob, received_at)
            VALUES ($tenant, $source, $key, $problem, $kind, $reason, $recipient, $recipientKey, $status, $diagnostic, $subject, $blob, $at)
            ON CONFLICT(source, source_key, recipient_key) DO NOTHING;
            SELECT id FROM bounce_review WHERE source = $source AND source_key = $key AND recipient_key = $recipientKey;
            """;
        command.Parameters.AddWithValue("$tenant", item.Tenant);
        command.Parameters.AddWithValue("$source", item.Source);
        command.Parameters.AddWithValue("$key", item.SourceKey);
        command.Parameters.AddWithValue("$problem", item.Problem);
        command.Parameters.AddWithValue("$kind", item.Kind);
        command.Parameters.AddWithValue("$reason", item.Reason);
        command.Parameters.AddWithValue("$recipient", (object?)item.Recipient ?? DBNull.Value);
        command.Parameters.AddWithValue("$recipientKey", item.Recipient ?? string.Empty);
        command.Parameters.AddWithValue("$status", (object?)item.Status ?? DBNull.Value);
        command.Parameters.AddWithValue("$diagnostic", (object?)item.Diagnostic ?? DBNull.Value);
        command.Parameters.AddWithValue("$subject", (object?)item.Subject ?? DBNull.Value);
        command.Parameters.AddWithValue("$blob", (object?)item.Blob ?? DBNull.Value);
        command.Parameters.AddWithValue("$at", item.ReceivedAt.ToUnixTimeMilliseconds());
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>The tenant's review items, newest first, with id below <paramref name="beforeId"/> when given.</summary>
    public async Task<IReadOnlyList<BounceReviewItem>> ListReviewAsync(string tenant, int limit = 100, long? beforeId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, tenant, source, source_key, problem, kind, reason, recipient, status, diagnostic, subject, blob, received_at
            FROM bounce_review WHERE tenant = $tenant AND id < $before ORDER BY id DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$tenant", tenant);
        command.Parameters.AddWithValue("$before", beforeId ?? long.MaxValue);
        command.Parameters.AddWithValue("$limit", limit);
        var items = new List<BounceReviewItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(new BounceReviewItem(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6),
                Nullable(reader, 7), Nullable(reader, 8), Nullable(reader, 9), Nullable(reader, 10), Nullable(reader, 11),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(12))));
        }

        return items;
    }

    /// <summary>Whether the mailbox message <paramref name="key"/> was processed already.</summary>
    public async Task<bool> IsProcessedAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM bounce_processed WHERE message_key = $key";
        command.Parameters.AddWithValue("$key", key);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    /// <summary>Remembers that <paramref name="key"/> was processed and moves the cursor to <paramref name="sequence"/>
    /// in one transaction.</summary>
    public async Task MarkProcessedAsync(string? key, string cursor, long sequence, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO bounce_cursor(name, sequence) VALUES ($cursor, $sequence)
                ON CONFLICT(name) DO UPDATE SET sequence = max(sequence, excluded.sequence);
                """;
            command.Parameters.AddWithValue("$cursor", cursor);
            command.Parameters.AddWithValue("$sequence", sequence);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (key is not null)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT OR IGNORE INTO bounce_processed(message_key, processed_at) VALUES ($key, $at)";
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The event-log sequence the named reader has processed up to (0 when it never ran).</summary>
    public async Task<long> GetCursorAsync(string cursor, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence FROM bounce_cursor WHERE name = $cursor";
        command.Parameters.AddWithValue("$cursor", cursor);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long value ? value : 0;
    }

    private static string? Nullable(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (!_initialized)
        {
            await _init.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (!_initialized)
                {
                    await using var command = connection.CreateCommand();
                    command.CommandText = """
                        PRAGMA journal_mode = WAL;
                        CREATE TABLE IF NOT EXISTS bounce_review(
                            id INTEGER PRIMARY KEY AUTOINCREMENT,
                            tenant TEXT NOT NULL, source TEXT NOT NULL, source_key TEXT NOT NULL, problem TEXT NOT NULL,
                            kind TEXT NOT NULL, reason TEXT NOT NULL, recipient TEXT, status TEXT, diagnostic TEXT, subject TEXT, blob TEXT,
                            received_at INTEGER NOT NULL,
                            recipient_key TEXT NOT NULL,
                            UNIQUE(source, source_key, recipient_key));
                        CREATE INDEX IF NOT EXISTS bounce_review_tenant ON bounce_review(tenant, id);
                        CREATE TABLE IF NOT EXISTS bounce_processed(message_key TEXT PRIMARY KEY, processed_at INTEGER NOT NULL) WITHOUT ROWID;
                        CREATE TABLE IF NOT EXISTS bounce_cursor(name TEXT PRIMARY KEY, sequence INTEGER NOT NULL) WITHOUT ROWID;
                        """;
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    _initialized = true;
                }
            }
            finally
            {
                _init.Release();
            }
        }

        return connection;
    }
}

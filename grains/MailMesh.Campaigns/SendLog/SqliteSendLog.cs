using MailMesh.Campaigns.SendLog.Internal;
using MailMesh.Grains.Campaigns;
using Microsoft.Data.Sqlite;

namespace MailMesh.Campaigns.SendLog;

/// <summary>The send log in its own SQLite file (WAL, <c>synchronous=FULL</c> so a record marked
/// <see cref="SendStatus.Sending"/> is on disk before the message leaves: record-then-send). The writes of this process
/// and the reads of the sending path run one at a time on one kept connection; reports, counts and lookups run on pooled
/// connections beside it.</summary>
public sealed partial class SqliteSendLog : ISendLog, IDisposable
{
    private readonly string _connectionString;
    private readonly SendLogConnection _connection;

    /// <summary>Uses (and creates) the SQLite file at <paramref name="path"/>.</summary>
    public SqliteSendLog(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        DatabasePath = path;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        _connection = new SendLogConnection(path);
    }

    /// <summary>The database file.</summary>
    public string DatabasePath { get; }

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        // One schema step per transaction, each reading the version inside it: two processes starting on one file never
        // apply a step twice.
        while (!await _connection.WriteAsync(MigrateOneStep, cancellationToken).ConfigureAwait(false))
        {
        }
    }

    /// <inheritdoc />
    public async Task<SendRecord?> FindAsync(string tenant, SendId sendId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        var found = await QueryAsync($"SELECT {Columns} FROM send_records WHERE send_id = $s AND tenant = $t", c =>
        {
            c.Parameters.AddWithValue("$s", Bytes(sendId));
            c.Parameters.AddWithValue("$t", tenant);
        }, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public async Task<SendRecord?> FindAnyTenantAsync(SendId sendId, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"SELECT {Columns} FROM send_records WHERE send_id = $s LIMIT 2", c => c.Parameters.AddWithValue("$s", Bytes(sendId)),
            cancellationToken).ConfigureAwait(false);

        // Two tenants with one 96-bit id would need a hash collision; answer nothing rather than the wrong tenant.
        return found.Count == 1 ? found[0] : null;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SendRecord>> ListDueAsync(string tenant, string campaignId, int shard, DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        _connection.ReadAsync(c => Records(c.Query(ListDueSql, "$t", "$c", "$shard", "$now", "$limit")
            .Bind(0, tenant).Bind(1, campaignId).Bind(2, shard).Bind(3, now.ToUnixTimeMilliseconds()).Bind(4, limit)), cancellationToken);

    /// <inheritdoc />
    public Task<DateTimeOffset?> NextDueAsync(string tenant, string campaignId, int shard, CancellationToken cancellationToken = default) =>
        _connection.ReadAsync(c => Time(c.Statement(
                "SELECT MIN(not_before) FROM send_records WHERE tenant = $t AND campaign = $c AND shard = $shard AND status IN (0, 3)", "$t", "$c", "$shard")
            .Bind(0, tenant).Bind(1, campaignId).Bind(2, shard).Scalar()), cancellationToken);

    /// <inheritdoc />
    public Task<DateTimeOffset?> FirstDeferredAtAsync(string tenant, SendId sendId, CancellationToken cancellationToken = default) =>
        _connection.ReadAsync(c => Time(c.Statement("SELECT first_deferred_at FROM send_records WHERE send_id = $s AND tenant = $t", "$s", "$t")
            .Bind(0, Bytes(sendId)).Bind(1, tenant).Scalar()), cancellationToken);

    /// <inheritdoc />
    public async Task<CampaignProgress> CountAsync(string tenant, string campaignId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        // Index passes only, where the report index exists (the silo's report service prepares it at start-up).
        var (counts, _) = await CountByStatusAsync(connection, tenant, campaignId, null, cancellationToken).ConfigureAwait(false);
        return new CampaignProgress(counts.Sum(), counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6]);
    }

    /// <inheritdoc />
    public async Task<PendingSends> CountPendingAsync(string tenant, string campaignId, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // Grouped in the due index's order (shard, then status): one pass over its entries, all of them still to send.
        command.CommandText = "SELECT status, COUNT(*) FROM send_records WHERE tenant = $t AND campaign = $c AND status IN (0, 3) GROUP BY shard, status";
        command.Parameters.AddWithValue("$t", tenant);
        command.Parameters.AddWithValue("$c", campaignId);
        long queued = 0, deferred = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.GetInt32(0) == (int)SendStatus.Queued)
            {
                queued += reader.GetInt64(1);
            }
            else
            {
                deferred += reader.GetInt64(1);
            }
        }

        return new PendingSends(queued, deferred);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SendRecord>> ListAsync(string tenant, string campaignId, string? after, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync($"SELECT {Columns} FROM send_records WHERE tenant = $t AND campaign = $c AND contact > $after ORDER BY contact LIMIT $limit", c =>
        {
            c.Parameters.AddWithValue("$t", tenant);
            c.Parameters.AddWithValue("$c", campaignId);
            c.Parameters.AddWithValue("$after", after ?? "");
            c.Parameters.AddWithValue("$limit", limit);
        }, cancellationToken);

    /// <summary>Closes the kept connection (pooled connections are closed by the provider).</summary>
    public void Dispose() => _connection.Dispose();

    // One index range per status (queued, deferred), each read in due order and cut at the limit, then merged: a single
    // "status IN (0, 3)" range would make SQLite sort every due record of the shard for each batch. Each range also names
    // the due index's condition, which SQLite needs to see before it uses a partial index. The limits are an expression,
    // not the bare parameter: SQLite plans with the value bound to a bare LIMIT parameter and so marks the kept statement
    // stale whenever that parameter is bound again, and every listing compiled the statement again (docs/adr/campaigns-21-limits-without-replanning.md).
    internal const string ListDueSql = $"""
        SELECT {Columns} FROM (
            SELECT * FROM (SELECT {Columns} FROM send_records
                WHERE tenant = $t AND campaign = $c AND shard = $shard AND status = 0 AND status IN (0, 3) AND not_before <= $now ORDER BY not_before LIMIT {Limit})
            UNION ALL
            SELECT * FROM (SELECT {Columns} FROM send_records
                WHERE tenant = $t AND campaign = $c AND shard = $shard AND status = 3 AND status IN (0, 3) AND not_before <= $now ORDER BY not_before LIMIT {Limit}))
        ORDER BY not_before, contact LIMIT {Limit}
        """;

    /// <summary>The listing's limit, bound as <c>$limit</c> (see <see cref="ListDueSql"/>).</summary>
    private const string Limit = "CAST($limit AS INTEGER)";

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragma = connection.CreateCommand();
        // Reads find the database's pages in memory, not through a read system call each; reports build their index here.
        pragma.CommandText = $"PRAGMA synchronous = FULL; PRAGMA mmap_size = {SendLogConnection.MapBytes}";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    private async Task<IReadOnlyList<SendRecord>> QueryAsync(string sql, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        var result = new List<SendRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(Read(reader));
        }

        return result;
    }

    private static IReadOnlyList<SendRecord> Records(SendLogQuery query)
    {
        var result = new List<SendRecord>();
        using var reader = query.Run();
        while (reader.Read())
        {
            result.Add(Read(reader));
        }

        return result;
    }

    private static DateTimeOffset? Time(object? milliseconds) => milliseconds is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    private const string Columns = "tenant, campaign, contact, send_id, status, attempts, message_id, last_code, last_reply, queued_at, updated_at, not_before";

    private static SendRecord Read(SqliteDataReader r)
    {
        var status = (SendStatus)r.GetInt32(4);
        var notBefore = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(11));
        return new SendRecord(
            r.GetString(0), r.GetString(1), r.GetString(2), SendId.FromBytes((byte[])r.GetValue(3)), status, r.GetInt32(5),
            r.IsDBNull(6) ? null : r.GetString(6), r.GetInt32(7), r.IsDBNull(8) ? null : r.GetString(8),
            DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(10)),
            status is SendStatus.Queued or SendStatus.Deferred ? notBefore : null);
    }

    private static byte[] Bytes(SendId id)
    {
        var bytes = new byte[SendId.Length];
        id.WriteBytes(bytes);
        return bytes;
    }
}

using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using MailMesh.Runtime.PostgreSql;
using Npgsql;

namespace MailMesh.Campaigns.PostgreSql;

/// <summary>The campaign send log in the cluster's PostgreSQL schema, with the same records and rules as
/// <see cref="SqliteSendLog"/>: every state change is one conditional statement on the state the writer read, so two
/// silos (a zombie activation, a late worker) can never both move a record to <see cref="SendStatus.Sending"/>, and a
/// claim is committed (synchronous commit) before the message leaves. Planning inserts a whole page in one statement
/// over arrays. Errors are the store's <see cref="MailMesh.Runtime.Storage.StorageException"/>s.</summary>
public sealed partial class PostgreSqlSendLog : ISendLog
{
    private const string Columns = "tenant, campaign, contact, send_id, status, attempts, message_id, last_code, last_reply, queued_at, updated_at, not_before";

    private readonly PostgreSqlStore _store;
    private readonly string _records;
    private readonly string _domains;

    /// <summary>Uses <paramref name="store"/>'s schema and connections (it does not own the store).</summary>
    public PostgreSqlSendLog(PostgreSqlStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _records = store.Qualify("send_records");
        _domains = store.Qualify("sending_domains");
    }

    /// <inheritdoc />
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _store.MigrateComponentAsync(Component, Steps, cancellationToken);

    /// <inheritdoc />
    public async Task<SendRecord?> FindAsync(string tenant, SendId sendId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        var found = await QueryAsync($"finding send record {sendId}", $"SELECT {Columns} FROM {_records} WHERE send_id = @s AND tenant = @t", c =>
        {
            c.Parameters.Add(new NpgsqlParameter<byte[]>("s", Bytes(sendId)));
            c.Parameters.Add(new NpgsqlParameter<string>("t", tenant));
        }, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <inheritdoc />
    public async Task<SendRecord?> FindAnyTenantAsync(SendId sendId, CancellationToken cancellationToken = default)
    {
        var found = await QueryAsync($"finding send record {sendId}", $"SELECT {Columns} FROM {_records} WHERE send_id = @s LIMIT 2",
            c => c.Parameters.Add(new NpgsqlParameter<byte[]>("s", Bytes(sendId))), cancellationToken).ConfigureAwait(false);

        // Two tenants with one 96-bit id would need a hash collision; answer nothing rather than the wrong tenant.
        return found.Count == 1 ? found[0] : null;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SendRecord>> ListDueAsync(string tenant, string campaignId, int shard, DateTimeOffset now, int limit, CancellationToken cancellationToken = default) =>
        // One index range per status (queued, deferred), each read in due order and cut at the limit, then merged: a
        // single "status IN (0, 3)" range would sort every due record of the shard for each batch.
        QueryAsync($"listing due records of campaign '{campaignId}' shard {shard}", $"""
            SELECT {Columns} FROM (
                (SELECT {Columns} FROM {_records}
                    WHERE tenant = @t AND campaign = @c AND shard = @shard AND status = 0 AND not_before <= @now ORDER BY not_before, contact LIMIT @limit)
                UNION ALL
                (SELECT {Columns} FROM {_records}
                    WHERE tenant = @t AND campaign = @c AND shard = @shard AND status = 3 AND not_before <= @now ORDER BY not_before, contact LIMIT @limit)) due
            ORDER BY not_before, contact LIMIT @limit
            """, c =>
        {
            Campaign(c, tenant, campaignId);
            c.Parameters.Add(new NpgsqlParameter<int>("shard", shard));
            c.Parameters.Add(new NpgsqlParameter<long>("now", now.ToUnixTimeMilliseconds()));
            c.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
        }, cancellationToken);

    /// <inheritdoc />
    public async Task<DateTimeOffset?> NextDueAsync(string tenant, string campaignId, int shard, CancellationToken cancellationToken = default) =>
        await ScalarAsync($"finding the next due record of campaign '{campaignId}' shard {shard}",
            $"SELECT MIN(not_before) FROM {_records} WHERE tenant = @t AND campaign = @c AND shard = @shard AND status IN (0, 3)", c =>
            {
                Campaign(c, tenant, campaignId);
                c.Parameters.Add(new NpgsqlParameter<int>("shard", shard));
            }, cancellationToken).ConfigureAwait(false) is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    /// <inheritdoc />
    public async Task<DateTimeOffset?> FirstDeferredAtAsync(string tenant, SendId sendId, CancellationToken cancellationToken = default) =>
        await ScalarAsync($"reading when send record {sendId} was first deferred", $"SELECT first_deferred_at FROM {_records} WHERE send_id = @s AND tenant = @t", c =>
        {
            c.Parameters.Add(new NpgsqlParameter<byte[]>("s", Bytes(sendId)));
            c.Parameters.Add(new NpgsqlParameter<string>("t", tenant));
        }, cancellationToken).ConfigureAwait(false) is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    /// <inheritdoc />
    public Task<CampaignProgress> CountAsync(string tenant, string campaignId, CancellationToken cancellationToken = default) =>
        RunAsync($"counting the records of campaign '{campaignId}'", repeatable: true, async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"SELECT status, COUNT(*) FROM {_records} WHERE tenant = @t AND campaign = @c GROUP BY status", connection);
            Campaign(command, tenant, campaignId);
            var counts = new long[7];
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var status = reader.GetInt16(0);
                if (status is >= 0 and < 7)
                {
                    counts[status] = reader.GetInt64(1);
                }
            }

            return new CampaignProgress(counts.Sum(), counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6]);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<PendingSends> CountPendingAsync(string tenant, string campaignId, CancellationToken cancellationToken = default) =>
        RunAsync($"counting the pending records of campaign '{campaignId}'", repeatable: true, async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(
                $"SELECT status, COUNT(*) FROM {_records} WHERE tenant = @t AND campaign = @c AND status IN (0, 3) GROUP BY status", connection);
            Campaign(command, tenant, campaignId);
            long queued = 0, deferred = 0;
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                if (reader.GetInt16(0) == (short)SendStatus.Queued)
                {
                    queued = reader.GetInt64(1);
                }
                else
                {
                    deferred = reader.GetInt64(1);
                }
            }

            return new PendingSends(queued, deferred);
        }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<SendRecord>> ListAsync(string tenant, string campaignId, string? after, int limit, CancellationToken cancellationToken = default) =>
        QueryAsync($"listing the records of campaign '{campaignId}'",
            $"SELECT {Columns} FROM {_records} WHERE tenant = @t AND campaign = @c AND contact > @after ORDER BY contact LIMIT @limit", c =>
            {
                Campaign(c, tenant, campaignId);
                c.Parameters.Add(new NpgsqlParameter<string>("after", after ?? string.Empty));
                c.Parameters.Add(new NpgsqlParameter<int>("limit", limit));
            }, cancellationToken);

    private static void Campaign(NpgsqlCommand command, string tenant, string campaignId)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(campaignId);
        command.Parameters.Add(new NpgsqlParameter<string>("t", tenant));
        command.Parameters.Add(new NpgsqlParameter<string>("c", campaignId));
    }

    private Task<T> RunAsync<T>(string operation, bool repeatable, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        _store.RunAsync(operation, repeatable, work, static (connection, work, ct) => work(connection, ct), cancellationToken);

    private Task<IReadOnlyList<SendRecord>> QueryAsync(string operation, string sql, Action<NpgsqlCommand> bind, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<SendRecord>>(operation, repeatable: true, async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(sql, connection);
            bind(command);
            var result = new List<SendRecord>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                result.Add(Read(reader));
            }

            return result;
        }, cancellationToken);

    private Task<object?> ScalarAsync(string operation, string sql, Action<NpgsqlCommand> bind, CancellationToken cancellationToken) =>
        RunAsync(operation, repeatable: true, async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(sql, connection);
            bind(command);
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    private static SendRecord Read(NpgsqlDataReader r)
    {
        var status = (SendStatus)r.GetInt16(4);
        var notBefore = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(11));
        return new SendRecord(
            r.GetString(0), r.GetString(1), r.GetString(2), SendId.FromBytes(r.GetFieldValue<byte[]>(3)), status, r.GetInt32(5),
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

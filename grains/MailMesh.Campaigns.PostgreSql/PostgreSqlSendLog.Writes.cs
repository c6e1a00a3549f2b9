using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using Npgsql;
using NpgsqlTypes;

namespace MailMesh.Campaigns.PostgreSql;

public sealed partial class PostgreSqlSendLog
{
    /// <summary>Longest reply text kept per record (as <see cref="SqliteSendLog.MaxReplyLength"/>).</summary>
    public const int MaxReplyLength = SqliteSendLog.MaxReplyLength;

    /// <inheritdoc />
    /// <remarks>One statement per page: the page travels as four arrays that <c>unnest</c> turns back into rows.</remarks>
    public Task<int> EnqueueAsync(string tenant, string campaignId, IReadOnlyList<PlannedSend> sends, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(campaignId);
        ArgumentNullException.ThrowIfNull(sends);
        if (sends.Count == 0)
        {
            return Task.FromResult(0);
        }

        var contacts = new string[sends.Count];
        var ids = new byte[sends.Count][];
        var shards = new int[sends.Count];
        var notBefore = new long[sends.Count];
        for (var i = 0; i < sends.Count; i++)
        {
            contacts[i] = sends[i].ContactAddress;
            ids[i] = Bytes(sends[i].SendId);
            shards[i] = sends[i].Shard;
            notBefore[i] = sends[i].NotBefore.ToUnixTimeMilliseconds();
        }

        // Not repeated on a broken connection: the count of added records would be wrong; the planner plans the page again.
        return RunAsync($"planning {sends.Count} recipients of campaign '{campaignId}'", repeatable: false, async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"""
                INSERT INTO {_records} (tenant, campaign, contact, send_id, shard, status, attempts, last_code, queued_at, updated_at, not_before)
                SELECT @t, @c, u.contact, u.send_id, u.shard, 0, 0, 0, @now, @now, u.not_before
                FROM unnest(@contacts, @ids, @shards, @not_before) AS u (contact, send_id, shard, not_before)
                ON CONFLICT (tenant, campaign, contact) DO NOTHING
                """, connection);
            Campaign(command, tenant, campaignId);
            command.Parameters.Add(new NpgsqlParameter<long>("now", now.ToUnixTimeMilliseconds()));
            command.Parameters.Add(new NpgsqlParameter<string[]>("contacts", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = contacts });
            command.Parameters.Add(new NpgsqlParameter<byte[][]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = ids });
            command.Parameters.Add(new NpgsqlParameter<int[]>("shards", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = shards });
            command.Parameters.Add(new NpgsqlParameter<long[]>("not_before", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = notBefore });
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> TryMarkSendingAsync(string tenant, SendId sendId, SendStatus expected, string? messageId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (expected is not (SendStatus.Queued or SendStatus.Deferred))
        {
            throw new ArgumentOutOfRangeException(nameof(expected), expected, "only a queued or deferred record can be claimed for sending.");
        }

        // Not repeated on a broken connection: a claim that committed would read as lost; the store reports the unknown outcome.
        return await ExecuteAsync($"claiming send record {sendId}", repeatable: false,
            $"UPDATE {_records} SET status = 1, attempts = attempts + 1, message_id = COALESCE(@m, message_id), updated_at = @now WHERE send_id = @s AND tenant = @t AND status = @e",
            c =>
            {
                Record(c, tenant, sendId, now);
                c.Parameters.Add(new NpgsqlParameter("m", NpgsqlDbType.Text) { Value = (object?)messageId ?? DBNull.Value });
                c.Parameters.Add(new NpgsqlParameter<short>("e", (short)expected));
            }, cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task CompleteAsync(string tenant, SendId sendId, SendStatus status, int code, string? reply, DateTimeOffset? nextAttemptAt, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (status is not (SendStatus.Sent or SendStatus.Deferred or SendStatus.Failed))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "a send completes as sent, deferred or failed.");
        }

        if (status == SendStatus.Deferred && nextAttemptAt is null)
        {
            throw new ArgumentException("a deferred record needs the time of its next attempt.", nameof(nextAttemptAt));
        }

        var changed = await ExecuteAsync($"recording the outcome of send record {sendId}", repeatable: false,
            $"UPDATE {_records} SET status = @st, last_code = @code, last_reply = @r, not_before = COALESCE(@nb, not_before), updated_at = @now, "
            + "first_deferred_at = CASE WHEN @st = 3 THEN COALESCE(first_deferred_at, @now) ELSE first_deferred_at END "
            + "WHERE send_id = @s AND tenant = @t AND status = 1",
            c =>
            {
                Record(c, tenant, sendId, now);
                c.Parameters.Add(new NpgsqlParameter<short>("st", (short)status));
                c.Parameters.Add(new NpgsqlParameter<int>("code", code));
                c.Parameters.Add(new NpgsqlParameter("r", NpgsqlDbType.Text) { Value = (object?)Trim(reply) ?? DBNull.Value });
                c.Parameters.Add(new NpgsqlParameter("nb", NpgsqlDbType.Bigint) { Value = nextAttemptAt is { } next ? next.ToUnixTimeMilliseconds() : DBNull.Value });
            }, cancellationToken).ConfigureAwait(false);
        if (changed != 1)
        {
            throw new InvalidOperationException($"send record {sendId} of tenant '{tenant}' is not being sent; its outcome ({status}) was not recorded.");
        }
    }

    /// <inheritdoc />
    public async Task<bool> SkipAsync(string tenant, SendId sendId, SendStatus status, string reason, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (status is not (SendStatus.Suppressed or SendStatus.Failed or SendStatus.Cancelled))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "a record is skipped as suppressed, failed or cancelled.");
        }

        return await ExecuteAsync($"skipping send record {sendId}", repeatable: false,
            $"UPDATE {_records} SET status = @st, last_reply = @r, updated_at = @now WHERE send_id = @s AND tenant = @t AND status IN (0, 3)",
            c =>
            {
                Record(c, tenant, sendId, now);
                c.Parameters.Add(new NpgsqlParameter<short>("st", (short)status));
                c.Parameters.Add(new NpgsqlParameter<string>("r", Trim(reason) ?? string.Empty));
            }, cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public Task PostponeAsync(string tenant, SendId sendId, DateTimeOffset notBefore, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        ExecuteAsync($"postponing send record {sendId}", repeatable: true,
            $"UPDATE {_records} SET not_before = @nb, updated_at = @now WHERE send_id = @s AND tenant = @t AND status IN (0, 3)", c =>
            {
                Record(c, tenant, sendId, now);
                c.Parameters.Add(new NpgsqlParameter<long>("nb", notBefore.ToUnixTimeMilliseconds()));
            }, cancellationToken);

    /// <inheritdoc />
    public async Task<long> CancelPendingAsync(string tenant, string campaignId, string reason, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await ExecuteAsync($"cancelling the pending records of campaign '{campaignId}'", repeatable: false,
            $"UPDATE {_records} SET status = 6, last_reply = @r, updated_at = @now WHERE tenant = @t AND campaign = @c AND status IN (0, 3)", c =>
            {
                Campaign(c, tenant, campaignId);
                c.Parameters.Add(new NpgsqlParameter<string>("r", Trim(reason) ?? string.Empty));
                c.Parameters.Add(new NpgsqlParameter<long>("now", now.ToUnixTimeMilliseconds()));
            }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public Task<DateTimeOffset> SendingDomainFirstUseAsync(string tenant, string domain, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(domain);
        var lower = domain.ToLowerInvariant();
        return RunAsync($"recording the first use of sending domain '{lower}'", repeatable: true, async (connection, ct) =>
        {
            // Two statements, each with its own snapshot: when another silo inserted the row concurrently, the INSERT waits
            // for it and does nothing, and only a later statement sees the row it committed.
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand($"INSERT INTO {_domains} (tenant, domain, first_used_at) VALUES (@t, @d, @now) ON CONFLICT (tenant, domain) DO NOTHING"),
                    new NpgsqlBatchCommand($"SELECT first_used_at FROM {_domains} WHERE tenant = @t AND domain = @d"),
                },
            };
            foreach (var command in batch.BatchCommands)
            {
                command.Parameters.Add(new NpgsqlParameter<string>("t", tenant));
                command.Parameters.Add(new NpgsqlParameter<string>("d", lower));
                command.Parameters.Add(new NpgsqlParameter<long>("now", now.ToUnixTimeMilliseconds()));
            }

            await using var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
            do
            {
                if (reader.FieldCount > 0 && await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    return DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0));
                }
            }
            while (await reader.NextResultAsync(ct).ConfigureAwait(false));

            throw new InvalidOperationException($"the first use of sending domain '{lower}' of tenant '{tenant}' was neither recorded nor found.");
        }, cancellationToken);
    }

    private static void Record(NpgsqlCommand command, string tenant, SendId sendId, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        command.Parameters.Add(new NpgsqlParameter<string>("t", tenant));
        command.Parameters.Add(new NpgsqlParameter<byte[]>("s", Bytes(sendId)));
        command.Parameters.Add(new NpgsqlParameter<long>("now", now.ToUnixTimeMilliseconds()));
    }

    private static string? Trim(string? text) => text is { Length: > MaxReplyLength } ? text[..MaxReplyLength] : text;

    private Task<int> ExecuteAsync(string operation, bool repeatable, string sql, Action<NpgsqlCommand> bind, CancellationToken cancellationToken) =>
        RunAsync(operation, repeatable, async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(sql, connection);
            bind(command);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
}

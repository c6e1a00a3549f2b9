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
    public Task<bool> TryMarkSendingAsync(string tenant, SendId sendId, SendStatus expected, string? messageId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        SendLogBatch.ClaimOneAsync(this, tenant, sendId, expected, messageId, now, cancellationToken);

    /// <inheritdoc />
    /// <remarks>One statement for the batch: the claims travel as arrays that <c>unnest</c> turns back into rows, and the
    /// statement returns the records it moved.</remarks>
    public async Task<IReadOnlyList<bool>> TryMarkSendingAsync(string tenant, IReadOnlyList<SendClaim> claims, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        SendLogBatch.CheckClaims(claims);
        if (claims.Count == 0)
        {
            return [];
        }

        var campaigns = new string[claims.Count];
        var contacts = new string[claims.Count];
        var ids = new byte[claims.Count][];
        var expected = new short[claims.Count];
        var messageIds = new string?[claims.Count];
        for (var i = 0; i < claims.Count; i++)
        {
            campaigns[i] = claims[i].CampaignId;
            contacts[i] = claims[i].ContactAddress;
            ids[i] = Bytes(claims[i].SendId);
            expected[i] = (short)claims[i].Expected;
            messageIds[i] = claims[i].MessageId;
        }

        // Not repeated on a broken connection: a claim that committed would read as lost; the store reports the unknown outcome.
        var claimed = await RunAsync($"claiming {claims.Count} send records", repeatable: false, async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"""
                UPDATE {_records} AS r SET status = 1, attempts = r.attempts + 1, message_id = COALESCE(u.message_id, r.message_id), updated_at = @now
                FROM unnest(@campaigns, @contacts, @ids, @expected, @message_ids) AS u (campaign, contact, send_id, expected, message_id)
                WHERE r.tenant = @t AND r.campaign = u.campaign AND r.contact = u.contact AND r.send_id = u.send_id AND r.status = u.expected
                RETURNING r.send_id
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("t", tenant));
            command.Parameters.Add(new NpgsqlParameter<long>("now", now.ToUnixTimeMilliseconds()));
            Keys(command, campaigns, contacts);
            command.Parameters.Add(new NpgsqlParameter<byte[][]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = ids });
            command.Parameters.Add(new NpgsqlParameter<short[]>("expected", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { TypedValue = expected });
            command.Parameters.Add(new NpgsqlParameter<string?[]>("message_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = messageIds });
            return await ReadIdsAsync(command, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return [.. claims.Select(c => claimed.Contains(c.SendId))];
    }

    /// <inheritdoc />
    public Task CompleteAsync(string tenant, SendId sendId, SendStatus status, int code, string? reply, DateTimeOffset? nextAttemptAt, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        SendLogBatch.CompleteOneAsync(this, tenant, sendId, status, code, reply, nextAttemptAt, now, cancellationToken);

    /// <inheritdoc />
    /// <remarks>One statement for the batch, over arrays as <see cref="TryMarkSendingAsync(string, IReadOnlyList{SendClaim},
    /// DateTimeOffset, CancellationToken)"/>.</remarks>
    public async Task<IReadOnlyList<SendId>> CompleteAsync(string tenant, IReadOnlyList<SendCompletion> outcomes, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        SendLogBatch.CheckCompletions(outcomes);
        if (outcomes.Count == 0)
        {
            return [];
        }

        var campaigns = new string[outcomes.Count];
        var contacts = new string[outcomes.Count];
        var ids = new byte[outcomes.Count][];
        var statuses = new short[outcomes.Count];
        var codes = new int[outcomes.Count];
        var replies = new string?[outcomes.Count];
        var notBefore = new long?[outcomes.Count];
        for (var i = 0; i < outcomes.Count; i++)
        {
            campaigns[i] = outcomes[i].CampaignId;
            contacts[i] = outcomes[i].ContactAddress;
            ids[i] = Bytes(outcomes[i].SendId);
            statuses[i] = (short)outcomes[i].Status;
            codes[i] = outcomes[i].Code;
            replies[i] = Trim(outcomes[i].Reply);
            notBefore[i] = outcomes[i].NextAttemptAt?.ToUnixTimeMilliseconds();
        }

        var recorded = await RunAsync($"recording the outcomes of {outcomes.Count} send records", repeatable: false, async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"""
                UPDATE {_records} AS r SET status = u.status, last_code = u.code, last_reply = u.reply, not_before = COALESCE(u.not_before, r.not_before),
                    updated_at = @now, first_deferred_at = CASE WHEN u.status = 3 THEN COALESCE(r.first_deferred_at, @now) ELSE r.first_deferred_at END
                FROM unnest(@campaigns, @contacts, @ids, @statuses, @codes, @replies, @not_before) AS u (campaign, contact, send_id, status, code, reply, not_before)
                WHERE r.tenant = @t AND r.campaign = u.campaign AND r.contact = u.contact AND r.send_id = u.send_id AND r.status = 1
                RETURNING r.send_id
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("t", tenant));
            command.Parameters.Add(new NpgsqlParameter<long>("now", now.ToUnixTimeMilliseconds()));
            Keys(command, campaigns, contacts);
            command.Parameters.Add(new NpgsqlParameter<byte[][]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { TypedValue = ids });
            command.Parameters.Add(new NpgsqlParameter<short[]>("statuses", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { TypedValue = statuses });
            command.Parameters.Add(new NpgsqlParameter<int[]>("codes", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = codes });
            command.Parameters.Add(new NpgsqlParameter<string?[]>("replies", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = replies });
            command.Parameters.Add(new NpgsqlParameter<long?[]>("not_before", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = notBefore });
            return await ReadIdsAsync(command, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return [.. outcomes.Select(o => o.SendId).Where(id => !recorded.Contains(id))];
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

    /// <summary>Binds the records' keys, which the batch statements find their rows by (the primary key).</summary>
    private static void Keys(NpgsqlCommand command, string[] campaigns, string[] contacts)
    {
        command.Parameters.Add(new NpgsqlParameter<string[]>("campaigns", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = campaigns });
        command.Parameters.Add(new NpgsqlParameter<string[]>("contacts", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = contacts });
    }

    private static async Task<HashSet<SendId>> ReadIdsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var ids = new HashSet<SendId>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(SendId.FromBytes(reader.GetFieldValue<byte[]>(0)));
        }

        return ids;
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

using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.SendLog;

public sealed partial class SqliteSendLog
{
    /// <summary>Longest reply text kept per record.</summary>
    public const int MaxReplyLength = 1000;

    /// <inheritdoc />
    public Task<int> EnqueueAsync(string tenant, string campaignId, IReadOnlyList<PlannedSend> sends, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(campaignId);
        ArgumentNullException.ThrowIfNull(sends);
        return _connection.WriteAsync(c =>
        {
            var insert = c.Statement("""
                INSERT INTO send_records (tenant, campaign, contact, send_id, shard, status, attempts, last_code, queued_at, updated_at, not_before)
                VALUES ($t, $c, $contact, $s, $shard, 0, 0, 0, $now, $now, $nb)
                ON CONFLICT (tenant, campaign, contact) DO NOTHING
                """, "$t", "$c", "$now", "$contact", "$s", "$shard", "$nb")
                .Bind(0, tenant).Bind(1, campaignId).Bind(2, now.ToUnixTimeMilliseconds());
            // Each shard's records go in as one run of rows (the order within a shard kept): a batch of a shard is then
            // rows side by side on a few pages, so its claim and its outcome rewrite and flush those few pages instead of
            // a share of every page of the plan, where the shards' rows interleave
            // (docs/adr/campaigns-18-send-records-by-shard.md).
            var added = 0;
            foreach (var send in sends.OrderBy(s => s.Shard))
            {
                added += insert.Bind(3, send.ContactAddress).Bind(4, Bytes(send.SendId)).Bind(5, send.Shard).Bind(6, send.NotBefore.ToUnixTimeMilliseconds()).Execute();
            }

            return added;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TryMarkSendingAsync(string tenant, SendId sendId, SendStatus expected, string? messageId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        SendLogBatch.ClaimOneAsync(this, tenant, sendId, expected, messageId, now, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<bool>> TryMarkSendingAsync(string tenant, IReadOnlyList<SendClaim> claims, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        SendLogBatch.CheckClaims(claims);
        return _connection.WriteAsync<IReadOnlyList<bool>>(c =>
        {
            // One statement run per record inside one transaction: one commit (one WAL sync) for the batch. Each finds its
            // row through its key (docs/adr/campaigns-08-keyed-send-log-writes.md).
            var claim = c.Statement(
                    "UPDATE send_records SET status = 1, attempts = attempts + 1, message_id = COALESCE($m, message_id), updated_at = $now "
                    + "WHERE tenant = $t AND campaign = $c AND contact = $contact AND send_id = $s AND status = $e",
                    "$t", "$now", "$c", "$contact", "$s", "$m", "$e")
                .Bind(0, tenant).Bind(1, now.ToUnixTimeMilliseconds());
            var claimed = new bool[claims.Count];
            for (var i = 0; i < claims.Count; i++)
            {
                var (campaignId, contact, sendId, expected, messageId) = claims[i];
                claimed[i] = claim.Bind(2, campaignId).Bind(3, contact).Bind(4, Bytes(sendId)).Bind(5, messageId).Bind(6, (int)expected).Execute() == 1;
            }

            return claimed;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task CompleteAsync(string tenant, SendId sendId, SendStatus status, int code, string? reply, DateTimeOffset? nextAttemptAt, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        SendLogBatch.CompleteOneAsync(this, tenant, sendId, status, code, reply, nextAttemptAt, now, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<SendId>> CompleteAsync(string tenant, IReadOnlyList<SendCompletion> outcomes, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        SendLogBatch.CheckCompletions(outcomes);
        return _connection.WriteAsync<IReadOnlyList<SendId>>(c =>
        {
            var complete = c.Statement(
                    "UPDATE send_records SET status = $st, last_code = $code, last_reply = $r, not_before = COALESCE($nb, not_before), updated_at = $now, "
                    + "first_deferred_at = CASE WHEN $st = 3 THEN COALESCE(first_deferred_at, $now) ELSE first_deferred_at END "
                    + "WHERE tenant = $t AND campaign = $c AND contact = $contact AND send_id = $s AND status = 1",
                    "$t", "$now", "$c", "$contact", "$s", "$st", "$code", "$r", "$nb")
                .Bind(0, tenant).Bind(1, now.ToUnixTimeMilliseconds());
            var missed = new List<SendId>();
            foreach (var outcome in outcomes)
            {
                var changed = complete.Bind(2, outcome.CampaignId).Bind(3, outcome.ContactAddress).Bind(4, Bytes(outcome.SendId)).Bind(5, (int)outcome.Status)
                    .Bind(6, outcome.Code).Bind(7, Trim(outcome.Reply)).Bind(8, outcome.NextAttemptAt?.ToUnixTimeMilliseconds()).Execute();
                if (changed != 1)
                {
                    missed.Add(outcome.SendId);
                }
            }

            return missed;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> SkipAsync(string tenant, SendId sendId, SendStatus status, string reason, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (status is not (SendStatus.Suppressed or SendStatus.Failed or SendStatus.Cancelled))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "a record is skipped as suppressed, failed or cancelled.");
        }

        ArgumentException.ThrowIfNullOrEmpty(tenant);

        return await _connection.WriteAsync(c => c.Statement(
                "UPDATE send_records SET status = $st, last_reply = $r, updated_at = $now WHERE send_id = $s AND tenant = $t AND status IN (0, 3)",
                "$t", "$s", "$now", "$st", "$r")
            .Bind(0, tenant).Bind(1, Bytes(sendId)).Bind(2, now.ToUnixTimeMilliseconds()).Bind(3, (int)status).Bind(4, Trim(reason)).Execute(), cancellationToken)
            .ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public Task PostponeAsync(string tenant, SendId sendId, DateTimeOffset notBefore, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        return _connection.WriteAsync(c => c.Statement(
                "UPDATE send_records SET not_before = $nb, updated_at = $now WHERE send_id = $s AND tenant = $t AND status IN (0, 3)", "$t", "$s", "$now", "$nb")
            .Bind(0, tenant).Bind(1, Bytes(sendId)).Bind(2, now.ToUnixTimeMilliseconds()).Bind(3, notBefore.ToUnixTimeMilliseconds()).Execute(), cancellationToken);
    }

    /// <inheritdoc />
    public Task<long> CancelPendingAsync(string tenant, string campaignId, string reason, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        _connection.WriteAsync(c => (long)c.Statement(
                "UPDATE send_records SET status = 6, last_reply = $r, updated_at = $now WHERE tenant = $t AND campaign = $c AND status IN (0, 3)", "$t", "$c", "$r", "$now")
            .Bind(0, tenant).Bind(1, campaignId).Bind(2, Trim(reason)).Bind(3, now.ToUnixTimeMilliseconds()).Execute(), cancellationToken);

    /// <inheritdoc />
    public Task<DateTimeOffset> SendingDomainFirstUseAsync(string tenant, string domain, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(domain);
        return _connection.WriteAsync(c =>
        {
            c.Statement("INSERT INTO sending_domains (tenant, domain, first_used_at) VALUES ($t, $d, $now) ON CONFLICT (tenant, domain) DO NOTHING", "$t", "$d", "$now")
                .Bind(0, tenant).Bind(1, domain.ToLowerInvariant()).Bind(2, now.ToUnixTimeMilliseconds()).Execute();
            var first = c.Statement("SELECT first_used_at FROM sending_domains WHERE tenant = $t AND domain = $d", "$t", "$d")
                .Bind(0, tenant).Bind(1, domain.ToLowerInvariant()).Scalar();
            return DateTimeOffset.FromUnixTimeMilliseconds((long)first!);
        }, cancellationToken);
    }

    private static string? Trim(string? text) => text is { Length: > MaxReplyLength } ? text[..MaxReplyLength] : text;
}

using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.SendLog;

/// <summary>The argument rules of the send log's batch writes, shared by every store so that each refuses the same
/// batches with the same messages.</summary>
public static class SendLogBatch
{
    /// <summary>Throws when a claim expects another status than queued or deferred, or a record is claimed twice.</summary>
    public static void CheckClaims(IReadOnlyList<SendClaim> claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var seen = new HashSet<SendId>(claims.Count);
        foreach (var claim in claims)
        {
            if (claim.Expected is not (SendStatus.Queued or SendStatus.Deferred))
            {
                throw new ArgumentOutOfRangeException(nameof(claims), claim.Expected, "only a queued or deferred record can be claimed for sending.");
            }

            if (!seen.Add(claim.SendId))
            {
                throw new ArgumentException($"send record {claim.SendId} is claimed twice in one batch.", nameof(claims));
            }
        }
    }

    /// <summary>Throws when an outcome is not sent, deferred (with its next attempt) or failed, or a record appears twice.</summary>
    public static void CheckCompletions(IReadOnlyList<SendCompletion> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var seen = new HashSet<SendId>(outcomes.Count);
        foreach (var outcome in outcomes)
        {
            if (outcome.Status is not (SendStatus.Sent or SendStatus.Deferred or SendStatus.Failed))
            {
                throw new ArgumentOutOfRangeException(nameof(outcomes), outcome.Status, "a send completes as sent, deferred or failed.");
            }

            if (outcome.Status == SendStatus.Deferred && outcome.NextAttemptAt is null)
            {
                throw new ArgumentException("a deferred record needs the time of its next attempt.", nameof(outcomes));
            }

            if (!seen.Add(outcome.SendId))
            {
                throw new ArgumentException($"send record {outcome.SendId} has two outcomes in one batch.", nameof(outcomes));
            }
        }
    }

    /// <summary>One record's claim through the store's batch claim: the record is looked up for its key first (the batch
    /// statements find rows by key). False when it does not exist or is no longer in <paramref name="expected"/>.</summary>
    public static async Task<bool> ClaimOneAsync(
        ISendLog log, string tenant, SendId sendId, SendStatus expected, string? messageId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        return await log.FindAsync(tenant, sendId, cancellationToken).ConfigureAwait(false) is { } record
            && (await log.TryMarkSendingAsync(tenant, [new SendClaim(record.CampaignId, record.ContactAddress, sendId, expected, messageId)], now, cancellationToken)
                .ConfigureAwait(false))[0];
    }

    /// <summary>One record's outcome through the store's batch outcome, the record looked up for its key first; throws
    /// when it does not exist or is not being sent.</summary>
    public static async Task CompleteOneAsync(
        ISendLog log, string tenant, SendId sendId, SendStatus status, int code, string? reply, DateTimeOffset? nextAttemptAt, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (status is not (SendStatus.Sent or SendStatus.Deferred or SendStatus.Failed))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "a send completes as sent, deferred or failed.");
        }

        if (status == SendStatus.Deferred && nextAttemptAt is null)
        {
            throw new ArgumentException("a deferred record needs the time of its next attempt.", nameof(nextAttemptAt));
        }

        var record = await log.FindAsync(tenant, sendId, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<SendId> missed = record is null
            ? [sendId]
            : await log.CompleteAsync(tenant, [SendCompletion.Of(record, status, code, reply, nextAttemptAt)], now, cancellationToken).ConfigureAwait(false);
        if (missed.Count != 0)
        {
            throw new InvalidOperationException($"send record {sendId} of tenant '{tenant}' is not being sent; its outcome ({status}) was not recorded.");
        }
    }
}

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
}

using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.SendLog;

/// <summary>The campaign send log: one record per (tenant, campaign, contact), written by the campaign grain (planning,
/// cancel) and its workers (claim, result). Every state change is conditional on the state the writer read, so two
/// writers (a zombie activation, a late worker) can never both move one record to <see cref="SendStatus.Sending"/>.</summary>
public interface ISendLog : ISendLogReader
{
    /// <summary>Creates or upgrades the schema (idempotent; run at start-up).</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds <see cref="SendStatus.Queued"/> records for <paramref name="sends"/> in one transaction; a record that
    /// exists already (a page planned again after a crash) is left as it is.</summary>
    /// <returns>How many records were added.</returns>
    Task<int> EnqueueAsync(string tenant, string campaignId, IReadOnlyList<PlannedSend> sends, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> records of <paramref name="shard"/> that are queued or deferred and due at
    /// <paramref name="now"/>, earliest first. Reading claims nothing: TryMarkSendingAsync does.</summary>
    Task<IReadOnlyList<SendRecord>> ListDueAsync(string tenant, string campaignId, int shard, DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    /// <summary>When the next queued or deferred record of <paramref name="shard"/> falls due, or null when none is left.</summary>
    Task<DateTimeOffset?> NextDueAsync(string tenant, string campaignId, int shard, CancellationToken cancellationToken = default);

    /// <summary>Moves the record from <paramref name="expected"/> (queued or deferred) to <see cref="SendStatus.Sending"/>,
    /// counting an attempt and storing the Message-ID, and commits that before returning — the "record" of
    /// record-then-send.</summary>
    /// <returns>False when the record is no longer in <paramref name="expected"/> (cancelled, claimed by someone else).</returns>
    Task<bool> TryMarkSendingAsync(string tenant, SendId sendId, SendStatus expected, string? messageId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Claims several records for sending in one transaction, each as <see cref="TryMarkSendingAsync(string, SendId,
    /// SendStatus, string?, DateTimeOffset, CancellationToken)"/> claims one (conditional on the status it was read in),
    /// and commits before returning: a worker claims a batch, then sends it (docs/adr/campaigns-05-batched-send-log.md).</summary>
    /// <returns>For each claim, in order, whether it was claimed.</returns>
    /// <exception cref="ArgumentException">A claim expects another status than queued or deferred, or a record is
    /// claimed twice in the batch.</exception>
    Task<IReadOnlyList<bool>> TryMarkSendingAsync(string tenant, IReadOnlyList<SendClaim> claims, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Records the outcome of a send (from <see cref="SendStatus.Sending"/>): <see cref="SendStatus.Sent"/>,
    /// <see cref="SendStatus.Deferred"/> (with <paramref name="nextAttemptAt"/>) or <see cref="SendStatus.Failed"/>.</summary>
    Task CompleteAsync(string tenant, SendId sendId, SendStatus status, int code, string? reply, DateTimeOffset? nextAttemptAt, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Records the outcomes of several sends in one transaction, each as <see cref="CompleteAsync(string, SendId,
    /// SendStatus, int, string?, DateTimeOffset?, DateTimeOffset, CancellationToken)"/> records one; an outcome whose
    /// record is not being sent (any more) changes nothing and does not stop the others.</summary>
    /// <returns>The records whose outcome was not recorded because they were not in <see cref="SendStatus.Sending"/>.</returns>
    /// <exception cref="ArgumentException">An outcome is not sent, deferred (with its next attempt) or failed, or a record
    /// appears twice in the batch.</exception>
    Task<IReadOnlyList<SendId>> CompleteAsync(string tenant, IReadOnlyList<SendCompletion> outcomes, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>When the record was first deferred (the start of its maximum deferral), or null when never.</summary>
    Task<DateTimeOffset?> FirstDeferredAtAsync(string tenant, SendId sendId, CancellationToken cancellationToken = default);

    /// <summary>Moves a queued or deferred record to a final state without sending it (<see cref="SendStatus.Suppressed"/>,
    /// or <see cref="SendStatus.Failed"/> when it cannot be composed).</summary>
    /// <returns>False when it was no longer queued or deferred.</returns>
    Task<bool> SkipAsync(string tenant, SendId sendId, SendStatus status, string reason, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Moves a queued or deferred record's due time to <paramref name="notBefore"/> (outside its send window).</summary>
    Task PostponeAsync(string tenant, SendId sendId, DateTimeOffset notBefore, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Marks every queued or deferred record of the campaign <see cref="SendStatus.Cancelled"/>; returns how many.</summary>
    Task<long> CancelPendingAsync(string tenant, string campaignId, string reason, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The campaign's records counted by status.</summary>
    Task<CampaignProgress> CountAsync(string tenant, string campaignId, CancellationToken cancellationToken = default);

    /// <summary>The campaign's records still to send (queued, deferred). It reads only what is left to send, so it costs in
    /// proportion to that and not to the campaign's size: the campaign grain reads it on every drive tick.</summary>
    Task<PendingSends> CountPendingAsync(string tenant, string campaignId, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> of the campaign's records in contact order after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<SendRecord>> ListAsync(string tenant, string campaignId, string? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>When the tenant first sent from <paramref name="domain"/> (recorded now when never before): the age that
    /// the slow start of new sending domains ramps up with.</summary>
    Task<DateTimeOffset> SendingDomainFirstUseAsync(string tenant, string domain, DateTimeOffset now, CancellationToken cancellationToken = default);
}

/// <summary>How many of a campaign's records are still to send.</summary>
/// <param name="Queued">Queued (planned, not yet claimed).</param>
/// <param name="Deferred">Deferred (due again later).</param>
public readonly record struct PendingSends(long Queued, long Deferred);

/// <summary>One recipient to plan.</summary>
/// <param name="ContactAddress">The contact's normalized address.</param>
/// <param name="SendId">Its idempotency key.</param>
/// <param name="Shard">The worker shard that sends it.</param>
/// <param name="NotBefore">Not sent before this time (the send-time spread).</param>
public sealed record PlannedSend(string ContactAddress, SendId SendId, int Shard, DateTimeOffset NotBefore);

/// <summary>One record to claim for sending, named by its key (campaign, contact) as well as its id: the store updates
/// it through its primary key, with no lookup of the id first (docs/adr/campaigns-08-keyed-send-log-writes.md).</summary>
/// <param name="CampaignId">The record's campaign.</param>
/// <param name="ContactAddress">The record's contact (normalized address).</param>
/// <param name="SendId">The record's id; a record with this key and another id is not claimed.</param>
/// <param name="Expected">The status it was read in (queued or deferred).</param>
/// <param name="MessageId">The Message-ID of the message about to be sent.</param>
public sealed record SendClaim(string CampaignId, string ContactAddress, SendId SendId, SendStatus Expected, string? MessageId)
{
    /// <summary>The claim of <paramref name="record"/> in the status it was read in.</summary>
    public static SendClaim Of(SendRecord record, string? messageId)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new SendClaim(record.CampaignId, record.ContactAddress, record.SendId, record.Status, messageId);
    }
}

/// <summary>The outcome of one send, for the record named by its key and id as in <see cref="SendClaim"/>.</summary>
/// <param name="CampaignId">The record's campaign.</param>
/// <param name="ContactAddress">The record's contact (normalized address).</param>
/// <param name="SendId">The record's id.</param>
/// <param name="Status"><see cref="SendStatus.Sent"/>, <see cref="SendStatus.Deferred"/> or <see cref="SendStatus.Failed"/>.</param>
/// <param name="Code">The relay's reply code (0 when there was none).</param>
/// <param name="Reply">The relay's reply text.</param>
/// <param name="NextAttemptAt">When a deferred record is due again (required for <see cref="SendStatus.Deferred"/>).</param>
public sealed record SendCompletion(
    string CampaignId, string ContactAddress, SendId SendId, SendStatus Status, int Code, string? Reply, DateTimeOffset? NextAttemptAt)
{
    /// <summary>The outcome of <paramref name="record"/> (claimed, now being sent).</summary>
    public static SendCompletion Of(SendRecord record, SendStatus status, int code, string? reply, DateTimeOffset? nextAttemptAt)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new SendCompletion(record.CampaignId, record.ContactAddress, record.SendId, status, code, reply, nextAttemptAt);
    }
}

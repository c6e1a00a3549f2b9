using MailMesh.Runtime;

namespace MailMesh.Grains.Campaigns;

/// <summary>Where one recipient of a campaign stands. Records live in SQL (the campaign send log), never in grain state.</summary>
public enum SendStatus
{
    /// <summary>Planned: in the audience when the campaign started, not yet handed to a worker.</summary>
    Queued = 0,

    /// <summary>Claimed by a worker and about to be handed to the relay (record-then-send: a record left in this state by
    /// a crash is never sent again automatically; see the campaigns ADR).</summary>
    Sending = 1,

    /// <summary>The relay accepted it (2xx after DATA/BDAT).</summary>
    Sent = 2,

    /// <summary>The relay answered 4xx or the connection failed; retried with backoff until the maximum age.</summary>
    Deferred = 3,

    /// <summary>The relay answered 5xx, or the deferrals exceeded the maximum age; the reply is recorded.</summary>
    Failed = 4,

    /// <summary>Skipped at send time: the contact was suppressed, unsubscribed from the list, erased or deleted.</summary>
    Suppressed = 5,

    /// <summary>The campaign was cancelled before this recipient was sent.</summary>
    Cancelled = 6,
}

/// <summary>One recipient's send record.</summary>
/// <param name="Tenant">Owning tenant.</param>
/// <param name="CampaignId">The campaign.</param>
/// <param name="ContactAddress">The contact's normalized address.</param>
/// <param name="SendId">The idempotency key (<see cref="SendId.For"/>).</param>
/// <param name="Status">Where it stands.</param>
/// <param name="Attempts">Relay attempts so far.</param>
/// <param name="MessageId">The Message-ID of the composed message, once composed.</param>
/// <param name="LastCode">The last SMTP reply code (0 when none).</param>
/// <param name="LastReply">The last reply text or failure reason.</param>
/// <param name="QueuedAt">When it was planned.</param>
/// <param name="UpdatedAt">When it last changed.</param>
/// <param name="NextAttemptAt">For deferred records: when to try again.</param>
[Immutable]
public sealed record SendRecord(
    string Tenant, string CampaignId, string ContactAddress, SendId SendId, SendStatus Status, int Attempts, string? MessageId,
    int LastCode, string? LastReply, DateTimeOffset QueuedAt, DateTimeOffset UpdatedAt, DateTimeOffset? NextAttemptAt);

/// <summary>Reads the campaign send log (bounce processing and tracking map a return path or Message-ID back to the campaign
/// and contact through it). Implemented over SQLite and PostgreSQL by the campaigns module.</summary>
public interface ISendLogReader
{
    /// <summary>The record with <paramref name="sendId"/> in <paramref name="tenant"/>, or null.</summary>
    Task<SendRecord?> FindAsync(string tenant, SendId sendId, CancellationToken cancellationToken = default);

    /// <summary>The record with <paramref name="sendId"/> in any tenant (a VERP return path names no tenant), or null.</summary>
    Task<SendRecord?> FindAnyTenantAsync(SendId sendId, CancellationToken cancellationToken = default);
}

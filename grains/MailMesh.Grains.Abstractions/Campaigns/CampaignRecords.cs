using MailMesh.Runtime;

namespace MailMesh.Grains.Campaigns;

/// <summary>Where a campaign is in its life: draft → scheduled → sending ⇄ paused → completed, or cancelled from any state
/// before completed.</summary>
public enum CampaignStatus
{
    /// <summary>Being edited; nothing planned.</summary>
    Draft = 0,

    /// <summary>Waiting for its start time.</summary>
    Scheduled = 1,

    /// <summary>Sending (possibly waiting for a send window).</summary>
    Sending = 2,

    /// <summary>Paused by a person or by the campaign itself (the reason says which).</summary>
    Paused = 3,

    /// <summary>Every recipient reached a final state.</summary>
    Completed = 4,

    /// <summary>Cancelled; unsent recipients are marked cancelled.</summary>
    Cancelled = 5,
}

/// <summary>Who a campaign's mail comes from.</summary>
/// <param name="FromAddress">The From address (its domain is the DKIM signing domain when a key is configured for it).</param>
/// <param name="FromName">The From display name.</param>
/// <param name="ReplyTo">A Reply-To address.</param>
[Immutable]
public sealed record CampaignSender(string FromAddress, string? FromName = null, string? ReplyTo = null);

/// <summary>When mail may go out: on <paramref name="Days"/>, from <paramref name="Start"/> to <paramref name="End"/>
/// local time (End after Start; a window that crosses midnight is two windows).</summary>
[Immutable]
public sealed record SendWindow(IReadOnlyList<DayOfWeek> Days, TimeOnly Start, TimeOnly End);

/// <summary>How fast a campaign may send.</summary>
/// <param name="PerMinute">Messages per minute overall (0 = no limit).</param>
/// <param name="PerDomainPerMinute">Messages per minute to one recipient domain (0 = no limit).</param>
/// <param name="SlowStart">Whether a sending domain with little history starts slow and ramps up.</param>
[Immutable]
public sealed record CampaignThrottle(int PerMinute = 0, int PerDomainPerMinute = 0, bool SlowStart = true);

/// <summary>What a campaign sends, to whom, when and how fast.</summary>
/// <param name="Name">A human name.</param>
/// <param name="Template">The template's name (its content is snapshotted when the campaign is scheduled).</param>
/// <param name="Segment">The audience: a saved segment's name, evaluated when sending starts.</param>
/// <param name="List">The list the mail belongs to: only members not unsubscribed from it are mailed, and its
/// unsubscribe link removes them from it. Null: the campaign goes to the whole segment and unsubscribes are global.</param>
/// <param name="Sender">From, reply-to.</param>
/// <param name="TimeZone">IANA time zone for windows when the recipient's <c>time_zone</c> attribute is unknown.</param>
/// <param name="Windows">Send windows; empty = any time.</param>
/// <param name="SpreadMinutes">Recipients' send times are spread over this many minutes from a window's start so it
/// does not start with a spike.</param>
/// <param name="Throttle">Rate limits.</param>
/// <param name="MaxDeferral">How long a deferred recipient is retried before it fails.</param>
/// <param name="Track">Whether opens and clicks are tracked (links rewritten, a pixel added).</param>
[Immutable]
public sealed record CampaignDefinition(
    string Name, string Template, string Segment, string? List, CampaignSender Sender, string TimeZone,
    IReadOnlyList<SendWindow> Windows, int SpreadMinutes, CampaignThrottle Throttle, TimeSpan MaxDeferral, bool Track = true);

/// <summary>How many recipients are in each state.</summary>
[Immutable]
public sealed record CampaignProgress(
    long Planned, long Queued, long Sending, long Sent, long Deferred, long Failed, long Suppressed, long Cancelled)
{
    /// <summary>No recipients yet.</summary>
    public static CampaignProgress Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Recipients in a final state.</summary>
    public long Done => Sent + Failed + Suppressed + Cancelled;
}

/// <summary>A campaign as stored.</summary>
/// <param name="Tenant">Owning tenant.</param>
/// <param name="Id">Its id (the grain key after the tenant).</param>
/// <param name="Definition">What it sends.</param>
/// <param name="Status">Where it is.</param>
/// <param name="StatusReason">Why it is paused, cancelled or failed to start, when it is.</param>
/// <param name="ScheduledFor">When sending starts (scheduled campaigns).</param>
/// <param name="StartedAt">When sending started.</param>
/// <param name="FinishedAt">When it completed or was cancelled.</param>
/// <param name="Progress">Recipient counts.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="UpdatedAt">Last change.</param>
/// <param name="Version">Grows with every change.</param>
[Immutable]
public sealed record CampaignInfo(
    string Tenant, string Id, CampaignDefinition Definition, CampaignStatus Status, string? StatusReason, DateTimeOffset? ScheduledFor,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, CampaignProgress Progress, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    long Version);

/// <summary>The campaign does not exist.</summary>
public sealed class CampaignNotFoundException(string key) : InvalidOperationException($"Campaign '{key}' does not exist.")
{
    /// <summary>The campaign's grain key.</summary>
    public string Key { get; } = key;
}

/// <summary>The operation is not allowed in the campaign's current status (e.g. editing a campaign that is sending).</summary>
public sealed class CampaignStateException(string key, CampaignStatus status, string operation)
    : InvalidOperationException($"Campaign '{key}' is {status.ToString().ToLowerInvariant()}: cannot {operation}.")
{
    /// <summary>The campaign's grain key.</summary>
    public string Key { get; } = key;

    /// <summary>Its status.</summary>
    public CampaignStatus Status { get; } = status;

    /// <summary>What was refused (lets the runtime carry the exception across the call boundary as itself).</summary>
    public string Operation { get; } = operation;
}

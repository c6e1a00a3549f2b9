using MailMesh.Runtime;

namespace MailMesh.Grains.Engagement;

/// <summary>What a message returned to a sender is.</summary>
public enum BounceKind
{
    /// <summary>Not recognised as a bounce, a complaint or an auto-reply (kept for review).</summary>
    Unknown = 0,

    /// <summary>The address does not work and will not (user or domain unknown, moved, accepts no mail).</summary>
    HardBounce = 1,

    /// <summary>Delivery failed or was delayed for a reason that may pass or that is not the address's fault (mailbox
    /// full, blocked, filtered, expired, policy, ...).</summary>
    SoftBounce = 2,

    /// <summary>The recipient reported the message (ARF feedback report, or a provider's complaint notification).</summary>
    Complaint = 3,

    /// <summary>An automatic reply (vacation, out of office; RFC 3834): not a bounce.</summary>
    AutoReply = 4,

    /// <summary>A positive delivery status notification (delivered, relayed, expanded): not a bounce.</summary>
    Delivered = 5,
}

/// <summary>Why a delivery failed (or what the report was).</summary>
public enum BounceReason
{
    /// <summary>Not determined.</summary>
    Undefined = 0,

    /// <summary>The mailbox does not exist.</summary>
    UserUnknown,

    /// <summary>The domain does not exist or has no usable mail host.</summary>
    HostUnknown,

    /// <summary>The recipient moved and left no forwarding (5.1.6).</summary>
    HasMoved,

    /// <summary>The domain accepts no mail (null MX, no MX) or the host refuses all mail.</summary>
    NotAccept,

    /// <summary>The mailbox is full.</summary>
    MailboxFull,

    /// <summary>The message exceeds the recipient's size limit (5.2.3).</summary>
    ExceedLimit,

    /// <summary>The message exceeds the system's size limit (5.3.4).</summary>
    MessageTooBig,

    /// <summary>The mailbox is disabled or suspended.</summary>
    Suspended,

    /// <summary>The sending host or IP is blocked (block lists, client host rejected).</summary>
    Blocked,

    /// <summary>The sending IP has no or a mismatched reverse DNS.</summary>
    RequirePtr,

    /// <summary>The sender's reputation is bad.</summary>
    BadReputation,

    /// <summary>SPF, DKIM or DMARC failed.</summary>
    AuthFailure,

    /// <summary>The sender address was rejected.</summary>
    Rejected,

    /// <summary>Refused by a recipient-side filter (not necessarily for spam).</summary>
    Filtered,

    /// <summary>The content was judged spam.</summary>
    SpamDetected,

    /// <summary>A virus was found.</summary>
    VirusDetected,

    /// <summary>The content was refused (bad MIME, forbidden attachment, ...).</summary>
    ContentError,

    /// <summary>The message is not RFC compliant (headers, line length, ...).</summary>
    NotCompliantRfc,

    /// <summary>A local policy of the receiver refused it.</summary>
    PolicyViolation,

    /// <summary>A security requirement (TLS, authentication) was not met.</summary>
    SecurityError,

    /// <summary>STARTTLS failed.</summary>
    FailedStartTls,

    /// <summary>Relaying was denied.</summary>
    NoRelaying,

    /// <summary>Delivery gave up after retrying (queue time exceeded), or is still being retried (delayed).</summary>
    Expired,

    /// <summary>A network or DNS problem (connection refused, timeout, loop, a DNS answer that may change).</summary>
    NetworkError,

    /// <summary>The receiving system failed.</summary>
    SystemError,

    /// <summary>The receiving system's disk is full.</summary>
    SystemFull,

    /// <summary>A local mailer program (procmail, a pipe) failed.</summary>
    MailerError,

    /// <summary>Too many connections or recipients.</summary>
    TooManyConnections,

    /// <summary>Rate limited (sending too fast).</summary>
    Speeding,

    /// <summary>An SMTP syntax error.</summary>
    SyntaxError,

    /// <summary>The report is ambiguous about what happened.</summary>
    OnHold,

    /// <summary>A feedback report (complaint).</summary>
    Feedback,

    /// <summary>An automatic reply.</summary>
    Vacation,

    /// <summary>A positive delivery notification.</summary>
    Delivered,
}

/// <summary>One bounce or complaint about one contact, already matched to it.</summary>
/// <param name="NoticeId">Unique id of the notice (idempotency key: a notice recorded twice counts once), e.g.
/// <c>mailbox:{mailbox}/{folder}/{uidvalidity}/{uid}#1</c> or <c>webhook:{tenant}:{event id}</c>.</param>
/// <param name="Kind">Hard bounce, soft bounce or complaint (other kinds are refused).</param>
/// <param name="Reason">Why.</param>
/// <param name="CampaignId">The campaign the bounced message belonged to, when known.</param>
/// <param name="SendId">The send id (text form), when known.</param>
/// <param name="Status">Enhanced status code, when known.</param>
/// <param name="Diagnostic">The remote answer or explanation (kept as the suppression detail).</param>
/// <param name="FeedbackType">For complaints: the ARF feedback type (<c>abuse</c>, <c>opt-out</c>, ...).</param>
/// <param name="Source">Where it came from: <c>mailbox</c> or <c>webhook</c>.</param>
/// <param name="At">When it was received.</param>
[Immutable]
public sealed record BounceNotice(
    string NoticeId, BounceKind Kind, BounceReason Reason, string? CampaignId, string? SendId, string? Status, string? Diagnostic,
    string? FeedbackType, string Source, DateTimeOffset At);

/// <summary>What recording a notice did.</summary>
/// <param name="Duplicate">The notice was recorded before; nothing was counted again.</param>
/// <param name="Suppressed">The contact is suppressed because of this notice (hard bounce, complaint, or the soft bounce
/// that reached the limit).</param>
/// <param name="Unsubscribed">The contact was unsubscribed from all mail (an opt-out feedback report).</param>
/// <param name="SoftBouncesInWindow">Soft bounces counted within the window after this notice.</param>
[Immutable]
public sealed record BounceOutcome(bool Duplicate, bool Suppressed, bool Unsubscribed, int SoftBouncesInWindow);

/// <summary>The bounce history of one contact.</summary>
/// <param name="HardBounces">Hard bounces recorded.</param>
/// <param name="SoftBounces">Soft bounces recorded (all time).</param>
/// <param name="Complaints">Complaints recorded.</param>
/// <param name="RecentSoftBounces">Times of the soft bounces within the window.</param>
/// <param name="LastReason">The reason of the last notice.</param>
/// <param name="LastDiagnostic">The diagnostic of the last notice.</param>
[Immutable]
public sealed record BounceLedgerSummary(
    int HardBounces, int SoftBounces, int Complaints, IReadOnlyList<DateTimeOffset> RecentSoftBounces, BounceReason LastReason, string? LastDiagnostic);

/// <summary>The bounce ledger of one contact, keyed <c>tenant/bounces:normalized-address</c> (<see cref="BounceKeys.Contact"/>):
/// counts hard and soft bounces and complaints, emits <c>message.bounced</c> and <c>message.complained</c>, and applies
/// the policy through the contact grain: a hard bounce or a complaint suppresses the contact (an opt-out report
/// unsubscribes it), soft bounces suppress it once a configured number fall within a window.</summary>
public interface IBounceLedgerGrain : IGrainWithStringKey
{
    /// <summary>Records a notice (once per <see cref="BounceNotice.NoticeId"/>) and applies the policy.</summary>
    /// <exception cref="ArgumentException">The notice is not a hard bounce, soft bounce or complaint, or has no id.</exception>
    Task<BounceOutcome> Record(BounceNotice notice);

    /// <summary>The history, or null when nothing was recorded.</summary>
    [ReadOnly]
    Task<BounceLedgerSummary?> Get();
}

/// <summary>Keys of the bounce grains.</summary>
public static class BounceKeys
{
    /// <summary>The key of <paramref name="address"/>'s bounce ledger in <paramref name="tenant"/> (the address normalized
    /// as a contact key is).</summary>
    public static string Contact(string tenant, string address) => string.Concat(tenant, "/bounces:", address.Trim().ToLowerInvariant());
}

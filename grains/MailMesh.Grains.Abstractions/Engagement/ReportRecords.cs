using MailMesh.Runtime;

namespace MailMesh.Grains.Engagement;

/// <summary>Where the recipients of a report stand in the send log, and how many bounced (docs/engagement.md, Reports).</summary>
/// <param name="Recipients">Send records (planned recipients) in scope.</param>
/// <param name="Queued">Not yet handed to a worker.</param>
/// <param name="Sending">Claimed by a worker, outcome not recorded (a crash leaves these; never resent).</param>
/// <param name="Sent">Accepted by the relay (2xx after DATA/BDAT).</param>
/// <param name="Deferred">Waiting for a retry now (the relay answered 4xx or the connection failed).</param>
/// <param name="DeferredOnce">Deferred at least once, whatever they became afterwards.</param>
/// <param name="Failed">Refused by the relay (5xx) or deferred past the maximum age.</param>
/// <param name="Suppressed">Skipped at send time (suppressed, unsubscribed, erased).</param>
/// <param name="Cancelled">Not sent because the campaign was cancelled.</param>
/// <param name="Delivered">Accepted by the relay minus recipients that bounced (hard or soft).</param>
/// <param name="Bounced">Recipients with a hard or soft bounce notice.</param>
/// <param name="HardBounced">Recipients with a hard bounce notice.</param>
/// <param name="SoftBounced">Recipients with only soft bounce notices.</param>
[Immutable]
public sealed record ReportDelivery(
    long Recipients, long Queued, long Sending, long Sent, long Deferred, long DeferredOnce, long Failed, long Suppressed, long Cancelled,
    long Delivered, long Bounced, long HardBounced, long SoftBounced);

/// <summary>Counts of one kind of hit (opens or clicks).</summary>
/// <param name="Raw">Every hit, machine ones included.</param>
/// <param name="Human">Hits not classified as made by a machine (privacy proxy prefetch, link scanner).</param>
/// <param name="Unique">Recipients with at least one hit.</param>
/// <param name="UniqueHuman">Recipients with at least one human hit.</param>
[Immutable]
public sealed record ReportHits(long Raw, long Human, long Unique, long UniqueHuman);

/// <summary>Clicks on one tracked link.</summary>
/// <param name="Index">The link's position in the message (0-based).</param>
/// <param name="Url">Its target.</param>
/// <param name="Clicks">The counts.</param>
[Immutable]
public sealed record ReportLink(int Index, string? Url, ReportHits Clicks);

/// <summary>One hour (UTC) of a report's time series.</summary>
/// <param name="Hour">The start of the hour.</param>
/// <param name="Sent">Recipients accepted by the relay in that hour.</param>
/// <param name="Opens">Opens (raw).</param>
/// <param name="HumanOpens">Human opens.</param>
/// <param name="Clicks">Clicks (raw).</param>
/// <param name="HumanClicks">Human clicks.</param>
/// <param name="Bounces">Bounce notices (hard and soft).</param>
/// <param name="Unsubscribes">Unsubscribes through the campaign's links.</param>
/// <param name="Complaints">Complaint notices.</param>
[Immutable]
public sealed record ReportHour(
    DateTimeOffset Hour, long Sent, long Opens, long HumanOpens, long Clicks, long HumanClicks, long Bounces, long Unsubscribes, long Complaints);

/// <summary>The report of one campaign, or of a segment's members across one or all campaigns.</summary>
/// <param name="Tenant">The tenant.</param>
/// <param name="CampaignId">The campaign, or null for all the tenant's campaigns.</param>
/// <param name="CampaignName">The campaign's name, when one campaign.</param>
/// <param name="CampaignStatus">The campaign's status (snake_case), when one campaign.</param>
/// <param name="Segment">The segment the recipients were restricted to (its members now), or null.</param>
/// <param name="SegmentMembers">How many members the segment has now, when restricted.</param>
/// <param name="GeneratedAt">When the report was made.</param>
/// <param name="Delivery">Send log counts and bounces.</param>
/// <param name="Opens">Opens.</param>
/// <param name="Clicks">Clicks.</param>
/// <param name="HumanEngaged">Recipients with a human open or a human click (the click-to-open denominator).</param>
/// <param name="Unsubscribes">Recipients who unsubscribed through the campaign's links.</param>
/// <param name="Complaints">Recipients who complained (feedback reports).</param>
/// <param name="Links">Clicks per tracked link, by link index.</param>
/// <param name="Hourly">The hourly series from the first to the last hour with activity.</param>
/// <param name="HourlyTruncated">The activity spans more than <see cref="MaxHours"/>: the series stops there.</param>
[Immutable]
public sealed record CampaignReport(
    string Tenant, string? CampaignId, string? CampaignName, string? CampaignStatus, string? Segment, long? SegmentMembers, DateTimeOffset GeneratedAt,
    ReportDelivery Delivery, ReportHits Opens, ReportHits Clicks, long HumanEngaged, long Unsubscribes, long Complaints,
    IReadOnlyList<ReportLink> Links, IReadOnlyList<ReportHour> Hourly, bool HourlyTruncated)
{
    /// <summary>The longest hourly series a report holds (62 days).</summary>
    public const int MaxHours = 62 * 24;

    /// <summary>Delivered ÷ sent, or null when nothing was sent.</summary>
    public double? DeliveryRate => Ratio(Delivery.Delivered, Delivery.Sent);

    /// <summary>Unique human opens ÷ delivered.</summary>
    public double? OpenRate => Ratio(Opens.UniqueHuman, Delivery.Delivered);

    /// <summary>Unique human clicks ÷ delivered.</summary>
    public double? ClickRate => Ratio(Clicks.UniqueHuman, Delivery.Delivered);

    /// <summary>Unique human clicks ÷ recipients with a human open or click (a click proves an open the pixel may have
    /// missed, so the rate never exceeds 1).</summary>
    public double? ClickToOpenRate => Ratio(Clicks.UniqueHuman, HumanEngaged);

    /// <summary>Bounced ÷ sent.</summary>
    public double? BounceRate => Ratio(Delivery.Bounced, Delivery.Sent);

    /// <summary>Unsubscribes ÷ delivered.</summary>
    public double? UnsubscribeRate => Ratio(Unsubscribes, Delivery.Delivered);

    /// <summary>Complaints ÷ delivered.</summary>
    public double? ComplaintRate => Ratio(Complaints, Delivery.Delivered);

    private static double? Ratio(long part, long whole) => whole <= 0 ? null : (double)part / whole;
}

/// <summary>Campaign and segment reports (the engagement module implements it over the send log, the hit store and the
/// bounce and complaint notices; every count is an aggregate SQL query).</summary>
public interface ICampaignReports
{
    /// <summary>The report of campaign <paramref name="campaignId"/> of <paramref name="tenant"/>.</summary>
    /// <exception cref="ReportSubjectNotFoundException">The tenant has no such campaign.</exception>
    Task<CampaignReport> CampaignAsync(string tenant, string campaignId, CancellationToken cancellationToken = default);

    /// <summary>The report restricted to the members of <paramref name="segment"/> now, across campaign
    /// <paramref name="campaignId"/> or all the tenant's campaigns when null.</summary>
    /// <exception cref="ReportSubjectNotFoundException">The tenant has no such segment or campaign.</exception>
    Task<CampaignReport> SegmentAsync(string tenant, string segment, string? campaignId, CancellationToken cancellationToken = default);
}

/// <summary>The campaign or segment a report was asked for does not exist in the tenant.</summary>
/// <param name="kind"><c>campaign</c> or <c>segment</c>.</param>
/// <param name="id">Its id or name.</param>
public sealed class ReportSubjectNotFoundException(string kind, string id) : KeyNotFoundException($"{kind} '{id}' does not exist")
{
    /// <summary><c>campaign</c> or <c>segment</c>.</summary>
    public string Kind { get; } = kind;

    /// <summary>The id or name asked for.</summary>
    public string Id { get; } = id;
}

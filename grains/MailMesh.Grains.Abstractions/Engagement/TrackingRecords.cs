using MailMesh.Runtime;

namespace MailMesh.Grains.Engagement;

/// <summary>What a recipient did.</summary>
public enum HitKind
{
    /// <summary>The open pixel was fetched.</summary>
    Open = 1,

    /// <summary>A tracked link was followed.</summary>
    Click = 2,

    /// <summary>The contact unsubscribed through the page or the one-click POST.</summary>
    Unsubscribe = 3,

    /// <summary>A hosted form was submitted.</summary>
    Form = 4,
}

/// <summary>One hit on a public tracking endpoint, as the tracking writer hands it to a contact's engagement grain.</summary>
/// <param name="Id">Unique id (a retried hand-over is applied once).</param>
/// <param name="Kind">Open, click, unsubscribe or form.</param>
/// <param name="CampaignId">The campaign the message belonged to (<c>test</c> for test sends).</param>
/// <param name="LinkIndex">For clicks: the link's position in the message.</param>
/// <param name="At">When the hit arrived.</param>
/// <param name="IssuedAt">When the token was made (about when the message was sent).</param>
/// <param name="Machine">Whether the endpoint's rules (network, user agent, time since sending) say a machine made it.</param>
/// <param name="Reason">Why it is a machine hit (<c>apple-mpp</c>, <c>scanner-network</c>, <c>bot-agent</c>, <c>pre-click</c>,
/// …), or the proxy a human hit came through (<c>gmail-proxy</c>); null for a plain human hit.</param>
/// <param name="Url">For clicks: the link's target.</param>
[Immutable]
public sealed record TrackedHit(
    Guid Id, HitKind Kind, string CampaignId, int LinkIndex, DateTimeOffset At, DateTimeOffset IssuedAt, bool Machine, string? Reason, string? Url = null);

/// <summary>The final classification of a hit (the grain may turn a human click into a machine one: several links
/// clicked within a second).</summary>
/// <param name="Id">The hit.</param>
/// <param name="Machine">Machine or human.</param>
/// <param name="Reason">Why (see <see cref="TrackedHit.Reason"/>).</param>
[Immutable]
public sealed record HitOutcome(Guid Id, bool Machine, string? Reason);

/// <summary>What <see cref="IContactEngagementGrain.Record"/> did.</summary>
/// <param name="ContactExists">False when the contact does not exist (deleted or erased since the message was sent): nothing
/// was recorded.</param>
/// <param name="Outcomes">The classification of each hit recorded (hits already recorded are left out), and of earlier
/// clicks that a later burst turned into machine clicks.</param>
/// <param name="Summary">The engagement afterwards.</param>
[Immutable]
public sealed record RecordResult(bool ContactExists, IReadOnlyList<HitOutcome> Outcomes, EngagementSummary? Summary = null);

/// <summary>The engagement of one contact, raw and human.</summary>
/// <param name="LastOpenAt">Last human open.</param>
/// <param name="LastClickAt">Last human click.</param>
/// <param name="RawOpens">Every open.</param>
/// <param name="RawClicks">Every click.</param>
/// <param name="HumanOpens">Opens not made by a machine.</param>
/// <param name="HumanClicks">Clicks not made by a machine.</param>
/// <param name="Opens30Days">Human opens in the last 30 days.</param>
/// <param name="Clicks30Days">Human clicks in the last 30 days.</param>
/// <param name="Opens90Days">Human opens in the last 90 days.</param>
/// <param name="Clicks90Days">Human clicks in the last 90 days.</param>
/// <param name="Score">The decaying score (0–100).</param>
/// <param name="Status"><c>new</c>, <c>active</c>, <c>inactive</c> or <c>dormant</c>.</param>
/// <param name="FirstSeenAt">The issue time of the first message seen for the contact (the start of the dormancy clock when it
/// never engaged).</param>
[Immutable]
public sealed record EngagementSummary(
    DateTimeOffset? LastOpenAt, DateTimeOffset? LastClickAt, long RawOpens, long RawClicks, long HumanOpens, long HumanClicks,
    int Opens30Days, int Clicks30Days, int Opens90Days, int Clicks90Days, double Score, string Status, DateTimeOffset FirstSeenAt);

using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tracking;

/// <summary>One hit as the endpoints queue it and the hit store keeps it.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Kind">What it was.</param>
/// <param name="Tenant">The tenant.</param>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Contact">The contact's normalized address.</param>
/// <param name="LinkIndex">For clicks: the link.</param>
/// <param name="Target">For clicks: the target URL; for unsubscribes: the scope; for forms: the form id.</param>
/// <param name="At">When it arrived.</param>
/// <param name="IssuedAt">When the token was made.</param>
/// <param name="Ip">The client address.</param>
/// <param name="UserAgent">The User-Agent (at most 512 characters).</param>
/// <param name="Machine">The endpoint's classification.</param>
/// <param name="Reason">Why (or the proxy).</param>
public sealed record HitRecord(
    Guid Id, HitKind Kind, string Tenant, string CampaignId, string Contact, int LinkIndex, string? Target, DateTimeOffset At,
    DateTimeOffset IssuedAt, string? Ip, string? UserAgent, bool Machine, string? Reason)
{
    /// <summary>The hit as the engagement grain takes it.</summary>
    public TrackedHit ToTracked() => new(Id, Kind, CampaignId, LinkIndex, At, IssuedAt, Machine, Reason, Kind == HitKind.Click ? Target : null);
}

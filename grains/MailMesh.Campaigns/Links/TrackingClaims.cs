namespace MailMesh.Campaigns.Links;

/// <summary>What a tracking URL is for.</summary>
public enum TrackingKind : byte
{
    /// <summary>The open pixel.</summary>
    Open = 1,

    /// <summary>A rewritten link (the signed target travels in the token).</summary>
    Click = 2,

    /// <summary>The unsubscribe page (GET) and RFC 8058 one-click POST.</summary>
    Unsubscribe = 3,

    /// <summary>A hosted preference or enrichment form.</summary>
    Form = 4,
}

/// <summary>What a signed tracking token says.</summary>
/// <param name="Kind">What the URL is for.</param>
/// <param name="Tenant">The tenant.</param>
/// <param name="CampaignId">The campaign (<c>test</c> for test sends).</param>
/// <param name="ContactAddress">The contact's normalized address.</param>
/// <param name="IssuedAt">When it was made (whole seconds); tokens older than the configured lifetime are refused (410).</param>
/// <param name="LinkIndex">For clicks: the link's position in the message (0-based); otherwise 0.</param>
/// <param name="List">For unsubscribes: the list, or null for all mail. For forms: the form id.</param>
/// <param name="TargetUrl">For clicks: where the link goes (signed, so the endpoint redirects only to URLs that MailMesh
/// put in the message); otherwise null.</param>
public sealed record TrackingClaims(
    TrackingKind Kind, string Tenant, string CampaignId, string ContactAddress, DateTimeOffset IssuedAt, int LinkIndex = 0,
    string? List = null, string? TargetUrl = null);

/// <summary>The outcome of reading a token.</summary>
public enum TrackingTokenStatus
{
    /// <summary>Signed by a known key and well formed.</summary>
    Valid = 0,

    /// <summary>Not a token: bad base64url, truncated, too long, or fields out of bounds.</summary>
    Malformed = 1,

    /// <summary>Well formed but the signature does not match (tampered or forged).</summary>
    BadSignature = 2,

    /// <summary>Signed with a key id this silo does not have (retired or forged).</summary>
    UnknownKey = 3,

    /// <summary>Valid but older than the lifetime.</summary>
    Expired = 4,
}

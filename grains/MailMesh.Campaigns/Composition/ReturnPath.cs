using MailMesh.Grains.Campaigns;

namespace MailMesh.Campaigns.Composition;

/// <summary>The per-recipient return path (VERP, docs/adr/campaigns-01-composition.md): <c>{prefix}+{sendId}@{domain}</c>,
/// e.g. <c>bounces+abcdefghijklmnopqrst@bounces.example.com</c>. The send id names the tenant, campaign and contact
/// through the send log (<see cref="ISendLogReader.FindAnyTenantAsync"/>), so the address carries nothing else and
/// reveals nothing about the recipient.</summary>
public static class ReturnPath
{
    /// <summary>The return path of <paramref name="sendId"/>.</summary>
    public static string Format(string prefix, SendId sendId, string domain) => string.Concat(prefix, "+", sendId.ToString(), "@", domain);

    /// <summary>The send id in a return path (or in a bounce's recipient address: any local part ending in
    /// <c>+{sendId}</c>, either case, with or without angle brackets).</summary>
    public static bool TryParse(ReadOnlySpan<char> address, out SendId sendId)
    {
        sendId = default;
        address = address.Trim().Trim("<>");
        var at = address.LastIndexOf('@');
        var local = at < 0 ? address : address[..at];
        var plus = local.LastIndexOf('+');
        return plus >= 0 && SendId.TryParse(local[(plus + 1)..], out sendId);
    }
}

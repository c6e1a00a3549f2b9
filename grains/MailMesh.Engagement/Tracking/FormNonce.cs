using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using MailMesh.Campaigns.Links;

namespace MailMesh.Engagement.Tracking;

/// <summary>The hidden field of the pages' forms: an HMAC of the page's token under a key derived from the current
/// tracking key, so a POST to a page comes from that page (the token remains the capability: whoever holds it can load
/// the page). Every silo with the same keys accepts every silo's nonces.</summary>
internal sealed class FormNonce
{
    private readonly byte[] _key;

    public FormNonce(TrackingKeyRing keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _key = HMACSHA256.HashData(keys.Key(keys.CurrentKeyId)!, "mailmesh-tracking-form-nonce"u8);
    }

    /// <summary>The nonce of <paramref name="token"/>.</summary>
    public string For(string token) => Base64Url.EncodeToString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(token)).AsSpan(0, 18));

    /// <summary>Whether <paramref name="nonce"/> belongs to <paramref name="token"/>.</summary>
    public bool Verify(string token, string? nonce) =>
        nonce is { Length: 24 } && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(For(token)), Encoding.ASCII.GetBytes(nonce));
}

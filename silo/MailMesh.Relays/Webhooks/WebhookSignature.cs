using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MailMesh.Relays.Webhooks;

/// <summary>The signature of a webhook request: header <c>MailMesh-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>
/// where hex is HMAC-SHA256, keyed with the UTF-8 bytes of the subscription's secret (the whole <c>whsec_…</c>
/// string), over <c>&lt;t&gt;.&lt;raw body&gt;</c>. Receivers recompute it, compare in constant time, and reject
/// timestamps more than a few minutes old (replays).</summary>
public static class WebhookSignature
{
    /// <summary>The signature header.</summary>
    public const string Header = "MailMesh-Signature";

    /// <summary>The event id header (for deduplication).</summary>
    public const string EventIdHeader = "MailMesh-Event-Id";

    /// <summary>The event type header.</summary>
    public const string EventTypeHeader = "MailMesh-Event-Type";

    /// <summary>The timestamp header (unix seconds, same as <c>t</c>).</summary>
    public const string TimestampHeader = "MailMesh-Timestamp";

    /// <summary>A new secret: <c>whsec_</c> and 32 random bytes in base64url.</summary>
    public static string NewSecret() =>
        "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The header value for <paramref name="body"/> sent at <paramref name="unixSeconds"/>.</summary>
    public static string Sign(byte[] secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var timestamp = unixSeconds.ToString(CultureInfo.InvariantCulture);
        var prefix = Encoding.ASCII.GetBytes(timestamp + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return $"t={timestamp},v1={Convert.ToHexStringLower(HMACSHA256.HashData(secret, message))}";
    }

    /// <summary>Whether <paramref name="header"/> is a valid signature of <paramref name="body"/> no older than
    /// <paramref name="tolerance"/> at <paramref name="now"/>.</summary>
    public static bool Verify(byte[] secret, string header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(header);
        long? timestamp = null;
        string? v1 = null;
        foreach (var part in header.Split(','))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal) && long.TryParse(part.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var t))
            {
                timestamp = t;
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
            {
                v1 = part[3..];
            }
        }

        if (timestamp is not { } ts || v1 is null || Math.Abs(now.ToUnixTimeSeconds() - ts) > tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, ts, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(header.Trim()));
    }
}

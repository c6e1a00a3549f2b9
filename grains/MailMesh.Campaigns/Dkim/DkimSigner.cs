using System.Security.Cryptography;
using System.Text;

namespace MailMesh.Campaigns.Dkim;

/// <summary>Signs messages for one domain and selector (RFC 6376, relaxed/relaxed; RSA-SHA256 or Ed25519-SHA256 per
/// RFC 8463). The signature covers each of <see cref="SignedHeaders"/> present in the message, and over-signs
/// <see cref="OverSignedHeaders"/> (listed once more than present) so that a copy added in transit breaks it. Thread-safe.</summary>
public sealed class DkimSigner
{
    /// <summary>The fields signed when present, in this order.</summary>
    public static IReadOnlyList<string> SignedHeaders { get; } =
    [
        "from", "to", "cc", "reply-to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post", "list-id", "feedback-id",
        "precedence", "mime-version", "content-type", "content-transfer-encoding",
    ];

    /// <summary>The fields listed once more than present (an added copy invalidates the signature).</summary>
    public static IReadOnlyList<string> OverSignedHeaders { get; } = ["from", "subject", "list-unsubscribe", "list-unsubscribe-post"];

    private readonly DkimKey _key;

    /// <summary>A signer for <paramref name="domain"/> (the <c>d=</c> tag) with <paramref name="selector"/> (<c>s=</c>).</summary>
    /// <exception cref="ArgumentException">The domain or selector is not a valid DNS label sequence.</exception>
    public DkimSigner(string domain, string selector, DkimKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Domain = CheckName(domain, "domain").ToLowerInvariant();
        Selector = CheckName(selector, "selector");
        _key = key;
    }

    /// <summary>The signing domain (<c>d=</c>).</summary>
    public string Domain { get; }

    /// <summary>The selector (<c>s=</c>).</summary>
    public string Selector { get; }

    /// <summary>The key's algorithm.</summary>
    public DkimAlgorithm Algorithm => _key.Algorithm;

    /// <summary>The TXT record to publish at <see cref="DnsName"/>.</summary>
    public string DnsRecord => _key.DnsRecord;

    /// <summary>Where the public key is published.</summary>
    public string DnsName => Selector + "._domainkey." + Domain;

    /// <summary>The message with a <c>DKIM-Signature</c> field in front (CRLF line ends expected).</summary>
    /// <param name="message">The whole message.</param>
    /// <param name="timestamp">The signing time (<c>t=</c>).</param>
    public byte[] Sign(ReadOnlySpan<byte> message, DateTimeOffset timestamp)
    {
        var field = SignatureField(message, timestamp);
        var signed = new byte[field.Length + message.Length];
        Encoding.Latin1.GetBytes(field, signed);
        message.CopyTo(signed.AsSpan(field.Length));
        return signed;
    }

    /// <summary>The <c>DKIM-Signature</c> field (ending with CRLF) for <paramref name="message"/>.</summary>
    public string SignatureField(ReadOnlySpan<byte> message, DateTimeOffset timestamp)
    {
        var (headers, bodyStart) = DkimCanonicalizer.SplitHeaders(message);
        using var bodyHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        DkimCanonicalizer.RelaxedBody(message[bodyStart..], bodyHash);
        var bh = Convert.ToBase64String(bodyHash.GetHashAndReset());

        var names = new List<string>();
        var data = new StringBuilder();
        var used = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in SignedHeaders)
        {
            var present = headers.Count(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase));
            var listed = present + (present > 0 && OverSignedHeaders.Contains(name) ? 1 : 0);
            for (var i = 0; i < listed; i++)
            {
                names.Add(name);

                // RFC 6376 5.4.2: instances are taken from the bottom up; a listed name with no instance left adds nothing.
                used.TryGetValue(name, out var taken);
                used[name] = taken + 1;
                var instance = headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Reverse().Skip(taken).FirstOrDefault();
                if (instance.Raw is not null)
                {
                    data.Append(DkimCanonicalizer.RelaxedHeader(instance.Raw, withCrlf: true));
                }
            }
        }

        var field = new StringBuilder(512);
        field.Append("DKIM-Signature: v=1; a=").Append(_key.AlgorithmTag).Append("; c=relaxed/relaxed; d=").Append(Domain)
            .Append("; s=").Append(Selector).Append(";\r\n\tt=").Append(timestamp.ToUnixTimeSeconds())
            .Append("; h=").Append(string.Join(':', names)).Append(";\r\n\tbh=").Append(bh).Append(";\r\n\tb=");
        data.Append(DkimCanonicalizer.RelaxedHeader(field.ToString(), withCrlf: false));
        var signature = Convert.ToBase64String(_key.Sign(Encoding.Latin1.GetBytes(data.ToString())));
        for (var i = 0; i < signature.Length; i += 72)
        {
            if (i > 0)
            {
                field.Append("\r\n\t ");
            }

            field.Append(signature.AsSpan(i, Math.Min(72, signature.Length - i)));
        }

        return field.Append("\r\n").ToString();
    }

    private static string CheckName(string name, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name, what);
        foreach (var label in name.Split('.'))
        {
            if (label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-') || !label.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw new ArgumentException($"the DKIM {what} '{name}' is not a valid DNS name (ASCII letters, digits, '-' and '_' in dot-separated labels).", what);
            }
        }

        return name;
    }
}

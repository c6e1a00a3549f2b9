using System.Buffers;
using System.Text;

namespace MailMesh.Campaigns.Dkim;

/// <summary>Signs messages for one domain and selector (RFC 6376, relaxed/relaxed; RSA-SHA256 or Ed25519-SHA256 per
/// RFC 8463). The signature covers each of <see cref="SignedHeaders"/> present in the message, and over-signs
/// <see cref="OverSignedHeaders"/> (listed once more than present) so that a copy added in transit breaks it. Thread-safe.</summary>
public sealed partial class DkimSigner
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
    private readonly byte[] _fieldPrefix;

    /// <summary>A signer for <paramref name="domain"/> (the <c>d=</c> tag) with <paramref name="selector"/> (<c>s=</c>).</summary>
    /// <exception cref="ArgumentException">The domain or selector is not a valid DNS label sequence.</exception>
    public DkimSigner(string domain, string selector, DkimKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Domain = CheckName(domain, "domain").ToLowerInvariant();
        Selector = CheckName(selector, "selector");
        _key = key;
        _fieldPrefix = Encoding.ASCII.GetBytes($"DKIM-Signature: v=1; a={key.AlgorithmTag}; c=relaxed/relaxed; d={Domain}; s={Selector};\r\n\tt=");
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
        var field = RentSignatureField(message, timestamp, out var length);
        try
        {
            var signed = new byte[length + message.Length];
            field.AsSpan(0, length).CopyTo(signed);
            message.CopyTo(signed.AsSpan(length));
            return signed;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(field);
        }
    }

    /// <summary>The <c>DKIM-Signature</c> field (ending with CRLF) for <paramref name="message"/>.</summary>
    public string SignatureField(ReadOnlySpan<byte> message, DateTimeOffset timestamp)
    {
        var field = RentSignatureField(message, timestamp, out var length);
        try
        {
            return Encoding.Latin1.GetString(field, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(field);
        }
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

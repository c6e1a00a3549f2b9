namespace MailMesh.Protocols.Smtp;

/// <summary>The EHLO keywords a server offered (RFC 5321 section 4.1.1.1).</summary>
public sealed class SmtpCapabilities
{
    private readonly Dictionary<string, string> _keywords;

    private SmtpCapabilities(Dictionary<string, string> keywords, bool extended)
    {
        _keywords = keywords;
        IsExtended = extended;
    }

    /// <summary>No extensions (a HELO-only server, or before EHLO).</summary>
    public static SmtpCapabilities None { get; } = new(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), false);

    /// <summary>True when the server answered EHLO (ESMTP).</summary>
    public bool IsExtended { get; }

    /// <summary>STARTTLS (RFC 3207).</summary>
    public bool StartTls => Has("STARTTLS");

    /// <summary>PIPELINING (RFC 2920).</summary>
    public bool Pipelining => Has("PIPELINING");

    /// <summary>8BITMIME (RFC 6152).</summary>
    public bool EightBitMime => Has("8BITMIME");

    /// <summary>SMTPUTF8 (RFC 6531).</summary>
    public bool SmtpUtf8 => Has("SMTPUTF8");

    /// <summary>DSN (RFC 3461).</summary>
    public bool Dsn => Has("DSN");

    /// <summary>CHUNKING: the BDAT command (RFC 3030).</summary>
    public bool Chunking => Has("CHUNKING");

    /// <summary>BINARYMIME (RFC 3030), usable only with CHUNKING.</summary>
    public bool BinaryMime => Has("BINARYMIME");

    /// <summary>ENHANCEDSTATUSCODES (RFC 2034): replies carry RFC 3463 codes.</summary>
    public bool EnhancedStatusCodes => Has("ENHANCEDSTATUSCODES");

    /// <summary>The SIZE limit in octets; 0 when SIZE is offered without a limit; null when SIZE is not offered.</summary>
    public long? MaxSize => _keywords.TryGetValue("SIZE", out var v) ? long.TryParse(v, out var n) ? n : 0 : null;

    /// <summary>The SASL mechanisms offered with AUTH.</summary>
    public IReadOnlyList<string> AuthMechanisms =>
        _keywords.TryGetValue("AUTH", out var v) ? v.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(m => m.ToUpperInvariant()).ToList() : [];

    /// <summary>True when the keyword was offered.</summary>
    public bool Has(string keyword) => _keywords.ContainsKey(keyword);

    /// <summary>Reads the lines of an EHLO reply after the first (the greeting line).</summary>
    internal static SmtpCapabilities Parse(IEnumerable<string> lines)
    {
        var keywords = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines)
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            // Old servers wrote "AUTH=LOGIN PLAIN"; treat it like "AUTH LOGIN PLAIN".
            var split = trimmed.IndexOfAny([' ', '=']);
            var keyword = split < 0 ? trimmed : trimmed[..split];
            var value = split < 0 ? string.Empty : trimmed[(split + 1)..].Trim();
            keywords[keyword] = keywords.TryGetValue(keyword, out var existing) && existing.Length > 0 ? existing + " " + value : value;
        }

        return new SmtpCapabilities(keywords, true);
    }
}

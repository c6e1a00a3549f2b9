namespace MailMesh.Sieve.Internal;

/// <summary>An SMTP reverse or forward path (RFC 5321 section 4.1.2) as the envelope test reads it.</summary>
/// <param name="LocalPart">The local part; empty for the null path.</param>
/// <param name="Domain">The domain, or null for a local-part-only path (e.g. MAILER-DAEMON) or the null path.</param>
internal readonly record struct SmtpPath(string LocalPart, string? Domain)
{
    public bool IsNull => LocalPart.Length == 0 && Domain is null;

    public string Address => Domain is null ? LocalPart : $"{LocalPart}@{Domain}";

    /// <summary>Parses a path with or without angle brackets and source route; null when it is not syntactically valid.</summary>
    public static SmtpPath? Parse(string value)
    {
        var text = value.Trim();
        if (text.StartsWith('<'))
        {
            if (!text.EndsWith('>') || text.Length < 2)
            {
                return null;
            }

            text = text[1..^1];
        }

        if (text.Contains('<', StringComparison.Ordinal) || text.Contains('>', StringComparison.Ordinal))
        {
            return null;
        }

        if (text.Length == 0)
        {
            return new SmtpPath(string.Empty, null);
        }

        if (text.StartsWith('@'))
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return null;
            }

            foreach (var hop in text[..colon].Split(','))
            {
                if (!hop.StartsWith('@') || !IsDomain(hop[1..]))
                {
                    return null;
                }
            }

            text = text[(colon + 1)..];
        }

        var at = text.LastIndexOf('@');
        if (at < 0)
        {
            return IsLocalPart(text) ? new SmtpPath(text, null) : null;
        }

        var local = text[..at];
        var domain = text[(at + 1)..];
        return IsLocalPart(local) && IsDomain(domain) ? new SmtpPath(local, domain) : null;
    }

    private static bool IsLocalPart(string local) =>
        local.Length > 0 && (local.StartsWith('"') ? local.Length > 1 && local.EndsWith('"') : !local.Any(c => c is ' ' or '@' or ',' or ':' or ';' or '(' or ')' || char.IsControl(c)));

    private static bool IsDomain(string domain)
    {
        if (domain.StartsWith('[') && domain.EndsWith(']'))
        {
            return domain.Length > 2;
        }

        var labels = domain.Split('.');
        // Lenient like real MTAs: any label characters except separators and white space.
        return domain.Length > 0 && labels.All(l => l.Length > 0 && !l.Any(c => c is ' ' or '\t' or '@' or ',' or ':' or ';' or '[' or ']' || char.IsControl(c)));
    }
}

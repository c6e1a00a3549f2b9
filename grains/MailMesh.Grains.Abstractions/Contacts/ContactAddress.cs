using System.Globalization;
using System.Text;
using MailMesh.Runtime;

namespace MailMesh.Grains.Contacts;

/// <summary>The result of checking an address.</summary>
/// <param name="Normalized">Lower case with an ASCII (punycode) domain; null when invalid.</param>
/// <param name="Display">The same address with its domain in Unicode; null when invalid.</param>
/// <param name="Error">What is wrong, with the position where it matters; null when valid.</param>
/// <param name="Suggestion">A likely intended address when the domain looks like a typo of a common one.</param>
/// <param name="RoleAddress">Whether the local part names a role (info@, sales@, …) rather than a person.</param>
[Immutable]
public sealed record AddressCheck(string? Normalized, string? Display, string? Error, string? Suggestion, bool RoleAddress)
{
    /// <summary>Whether the address is valid.</summary>
    public bool IsValid => Error is null;
}

/// <summary>Syntax checks (RFC 5321 path limits over the RFC 5322 addr-spec without comments or obsolete forms, RFC 6531
/// UTF-8 local parts), IDN domains (IDNA via <see cref="IdnMapping"/>), typo suggestions for common mail domains and role
/// addresses. Domain literals (<c>[192.0.2.1]</c>) are refused: contacts are mailed through MX lookups.</summary>
public static partial class ContactAddress
{
    /// <summary>Longest address (RFC 5321 path limit minus the angle brackets).</summary>
    public const int MaxLength = 254;

    /// <summary>Longest local part in octets.</summary>
    public const int MaxLocalLength = 64;

    private const string AText = "!#$%&'*+-/=?^_`{|}~";
    private static readonly IdnMapping s_idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    /// <summary>Most valid domains whose ASCII form is remembered: the IDNA conversion (ICU) was the largest cost of
    /// checking an address, and a file of a million addresses has few distinct domains.</summary>
    private const int MaxRememberedDomains = 50_000;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> s_asciiDomains = new(StringComparer.Ordinal);

    /// <summary>Checks <paramref name="input"/> (surrounding white space is ignored).</summary>
    public static AddressCheck Check(string? input)
    {
        var text = input?.Trim() ?? "";
        if (text.Length == 0)
        {
            return Invalid("the address is empty");
        }

        var at = text.LastIndexOf('@');
        if (at < 0)
        {
            return Invalid($"'{text}' has no '@'; expected local@domain");
        }

        var local = text[..at];
        var domain = text[(at + 1)..];
        var localError = CheckLocal(local);
        if (localError is not null)
        {
            return Invalid(localError);
        }

        if (domain.StartsWith('['))
        {
            return Invalid($"the domain '{domain}' is an address literal; contacts need a domain name");
        }

        var (ascii, domainError) = ToAsciiDomain(domain, at + 1);
        if (domainError is not null)
        {
            return Invalid(domainError);
        }

        var normalizedLocal = local.StartsWith('"') ? local : local.ToLowerInvariant();
        var normalized = normalizedLocal + "@" + ascii;
        if (Encoding.UTF8.GetByteCount(normalized) > MaxLength)
        {
            return Invalid($"the address is {Encoding.UTF8.GetByteCount(normalized)} octets long; at most {MaxLength} are allowed");
        }

        var display = normalizedLocal + "@" + s_idn.GetUnicode(ascii!);
        var suggestion = DomainTypos.Suggest(ascii!) is { } better ? normalizedLocal + "@" + better : null;
        return new AddressCheck(normalized, display, null, suggestion, RoleNames.Contains(normalizedLocal.Split('+')[0]));
    }

    /// <summary>The normalized form of a valid address.</summary>
    /// <exception cref="ArgumentException">The address is invalid; the message says why.</exception>
    public static string Normalize(string address, string parameterName = "address")
    {
        var check = Check(address);
        return check.Normalized ?? throw new ArgumentException($"'{address}' is not a valid address: {check.Error}.", parameterName);
    }

    /// <summary>The grain key of the contact with <paramref name="address"/> in <paramref name="tenant"/>.</summary>
    /// <exception cref="ArgumentException">The address is invalid.</exception>
    public static string KeyFor(string tenant, string address) => tenant + "/" + Normalize(address);

    private static AddressCheck Invalid(string error) => new(null, null, error, null, false);

    private static string? CheckLocal(string local)
    {
        if (local.Length == 0)
        {
            return "the local part (before '@') is empty";
        }

        if (Encoding.UTF8.GetByteCount(local) > MaxLocalLength)
        {
            return $"the local part is {Encoding.UTF8.GetByteCount(local)} octets long; at most {MaxLocalLength} are allowed";
        }

        if (local[0] == '"')
        {
            return CheckQuoted(local);
        }

        for (var i = 0; i < local.Length; i++)
        {
            var c = local[i];
            if (c == '.')
            {
                if (i == 0 || i == local.Length - 1 || local[i - 1] == '.')
                {
                    return $"the local part has a misplaced '.' at position {i} (no leading, trailing or double dots)";
                }
            }
            else if (!(char.IsAsciiLetterOrDigit(c) || AText.Contains(c, StringComparison.Ordinal) || (c > 127 && !char.IsControl(c) && !char.IsWhiteSpace(c))))
            {
                return $"the local part has '{c}' at position {i}, which needs quoting or is not allowed";
            }
        }

        return null;
    }

    private static string? CheckQuoted(string local)
    {
        if (local.Length < 2 || local[^1] != '"')
        {
            return "the quoted local part has no closing '\"'";
        }

        for (var i = 1; i < local.Length - 1; i++)
        {
            var c = local[i];
            if (c == '\\')
            {
                i++;
                if (i >= local.Length - 1)
                {
                    return $"the quoted local part ends in a lone '\\' at position {i - 1}";
                }
            }
            else if (c == '"' || char.IsControl(c))
            {
                return $"the quoted local part has an unescaped {(c == '"' ? "'\"'" : $"U+{(int)c:X4}")} at position {i}";
            }
        }

        return null;
    }

    private static (string? Ascii, string? Error) ToAsciiDomain(string domain, int offset)
    {
        if (domain.Length == 0)
        {
            return (null, "the domain (after '@') is empty");
        }

        var trimmed = domain.EndsWith('.') ? domain[..^1] : domain;
        if (s_asciiDomains.TryGetValue(trimmed, out var known))
        {
            return (known, null);
        }

        string ascii;
        try
        {
            ascii = s_idn.GetAscii(trimmed).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            var bad = FirstBadDomainChar(trimmed);
            return (null, bad >= 0
                ? $"the domain '{domain}' has '{trimmed[bad]}' at position {offset + bad}, which a domain name cannot contain"
                : $"the domain '{domain}' is not a valid (internationalized) domain name: empty label, label longer than 63 or a label starting or ending with '-'");
        }

        var labels = ascii.Split('.');
        if (labels.Length < 2)
        {
            return (null, $"the domain '{domain}' has no '.'; expected a domain such as example.com");
        }

        if (labels[^1].All(char.IsAsciiDigit))
        {
            return (null, $"the domain '{domain}' ends in a numeric label; expected a top-level domain such as com");
        }

        if (ascii.Length > 253)
        {
            return (null, $"the domain is {ascii.Length} characters long; at most 253 are allowed");
        }

        if (s_asciiDomains.Count < MaxRememberedDomains)
        {
            s_asciiDomains.TryAdd(trimmed, ascii);
        }

        return (ascii, null);
    }

    private static int FirstBadDomainChar(string domain)
    {
        for (var i = 0; i < domain.Length; i++)
        {
            var c = domain[i];
            if (c < 128 && !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
            {
                return i;
            }
        }

        return -1;
    }
}

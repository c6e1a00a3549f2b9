using MailMesh.Sieve.Internal;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Core;

/// <summary>Reads header values and addresses from the runtime's header view for tests.</summary>
public static class MessageValues
{
    /// <summary>The :index and :last tags (RFC 5260 index extension).</summary>
    public static IEnumerable<SieveTagDefinition> IndexTags =>
    [
        new("index", SieveArgumentKind.Number, "index"),
        new("last", null, "index"),
    ];

    /// <summary>The address-part tags (RFC 5228 and RFC 5233 subaddress).</summary>
    public static IEnumerable<SieveTagDefinition> AddressPartTags =>
    [
        new("all", null, null, "address-part"),
        new("localpart", null, null, "address-part"),
        new("domain", null, null, "address-part"),
        new("user", null, "subaddress", "address-part"),
        new("detail", null, "subaddress", "address-part"),
    ];

    /// <summary>The values of a header (RFC 2047 decoded, trimmed), optionally one occurrence by index.</summary>
    public static IReadOnlyList<string> Header(SieveRuntime runtime, string name, int? index = null, bool last = false)
    {
        if (!HeaderNames.IsValid(name))
        {
            return [];
        }

        return Select(runtime.Headers.GetDecoded(name), index, last);
    }

    /// <summary>The address parts of every address in a header.</summary>
    public static IReadOnlyList<string> Addresses(SieveRuntime runtime, string name, string addressPart, int? index = null, bool last = false)
    {
        var separator = runtime.Options.SubaddressSeparator;
        if (index is not { } n)
        {
            return runtime.Headers.GetAddressParts(name, addressPart, separator, Parts);
        }

        var all = runtime.Headers.GetAddresses(name);
        return n < 1 || n > all.Length ? [] : Parts([all[last ? all.Length - n : n - 1]], addressPart, separator);
    }

    private static List<string> Parts(List<ParsedAddress>[] fields, string addressPart, string separator)
    {
        var parts = new List<string>();
        foreach (var addresses in fields)
        {
            foreach (var address in addresses)
            {
                if (Part(address, addressPart, separator) is { } part)
                {
                    parts.Add(part);
                }
            }
        }

        return parts;
    }

    /// <summary>The chosen part of a single address string (envelope), or null when it has none or does not parse.</summary>
    public static string? AddressPart(string address, string addressPart, string separator)
    {
        if (address.Length == 0)
        {
            return string.Empty;
        }

        var parsed = AddressList.Parse(address);
        return parsed.Count != 1 || parsed[0].Domain is null ? null : Part(parsed[0], addressPart, separator);
    }

    /// <summary>The chosen part of an SMTP path (envelope test), or null when the path is invalid or lacks the part.</summary>
    public static string? EnvelopePart(string path, string addressPart, string separator)
    {
        if (SmtpPath.Parse(path) is not { } parsed)
        {
            return null;
        }

        if (parsed.IsNull)
        {
            return string.Empty;
        }

        return addressPart switch
        {
            "all" => parsed.Address,
            "domain" => parsed.Domain,
            _ => Part(new ParsedAddress(parsed.Address, parsed.LocalPart, parsed.Domain ?? string.Empty), addressPart, separator),
        };
    }

    /// <summary>The address of an SMTP path without brackets or route, or null when invalid or the null path.</summary>
    public static string? EnvelopeAddress(string? path) =>
        path is not null && SmtpPath.Parse(path) is { IsNull: false } parsed ? parsed.Address : null;

    /// <summary>True when <paramref name="address"/> is a syntactically plausible addr-spec (local@domain).</summary>
    public static bool IsValidAddress(string address)
    {
        var parsed = AddressList.Parse(address);
        return parsed.Count == 1 && parsed[0].Domain is { Length: > 0 } domain && !domain.Contains(' ', StringComparison.Ordinal)
            && !string.IsNullOrEmpty(parsed[0].LocalPart);
    }

    /// <summary>The addr-spec of the first address in <paramref name="value"/>, or null.</summary>
    public static string? FirstAddress(string value)
    {
        var parsed = AddressList.Parse(MimeWords.Decode(value));
        return parsed.Count > 0 && parsed[0].Domain is not null ? parsed[0].Address : null;
    }

    /// <summary>Every addr-spec in <paramref name="value"/>.</summary>
    public static IEnumerable<string> AllAddresses(string value) =>
        AddressList.Parse(MimeWords.Decode(value)).Where(a => a.Domain is not null).Select(a => a.Address);

    /// <summary>Applies :index/:last to a list.</summary>
    public static IReadOnlyList<string> Select(IReadOnlyList<string> values, int? index, bool last)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (index is not { } n)
        {
            return values;
        }

        if (n < 1 || n > values.Count)
        {
            return [];
        }

        return [values[last ? values.Count - n : n - 1]];
    }

    private static string? Part(ParsedAddress address, string part, string separator)
    {
        if (part == "all")
        {
            return address.Address;
        }

        if (address.LocalPart is null || address.Domain is null)
        {
            return null;
        }

        switch (part)
        {
            case "localpart":
                return address.LocalPart;
            case "domain":
                return address.Domain;
            default:
                // Like Dovecot's recipient_delimiter, every character of the separator is a delimiter.
                var at = separator.Length == 0 ? -1 : address.LocalPart.IndexOfAny(separator.ToCharArray());
                if (part == "user")
                {
                    return at < 0 ? address.LocalPart : address.LocalPart[..at];
                }

                return at < 0 ? null : address.LocalPart[(at + 1)..];
        }
    }
}

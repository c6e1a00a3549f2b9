using System.Globalization;
using System.Text;
using MailMesh.Mime.Writing;

namespace MailMesh.Mime.Addresses;

/// <summary>A mailbox or a group, as found in address fields (RFC 5322 3.4).</summary>
public abstract class InternetAddress
{
    /// <summary>The display name (decoded), or empty.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Formats the address for a header (encoded words for non-ASCII unless <paramref name="options"/> is international).</summary>
    public abstract string ToHeaderString(FormatOptions? options = null);

    /// <inheritdoc />
    public override string ToString() => ToHeaderString(new FormatOptions { International = true });
}

/// <summary>One mailbox: display name and addr-spec.</summary>
public sealed class MailboxAddress : InternetAddress
{
    private static readonly IdnMapping Idn = new();

    /// <summary>Creates a mailbox from a display name and "local@domain".</summary>
    public MailboxAddress(string name, string address)
    {
        Name = name;
        var at = address.LastIndexOf('@');
        LocalPart = at < 0 ? address : address[..at];
        Domain = at < 0 ? string.Empty : address[(at + 1)..];
    }

    /// <summary>The local part (before the last "@").</summary>
    public string LocalPart { get; }

    /// <summary>The domain as written (may be punycode or Unicode), empty when the address had none.</summary>
    public string Domain { get; }

    /// <summary>"local@domain" as written.</summary>
    public string Address => Domain.Length == 0 ? LocalPart : LocalPart + "@" + Domain;

    /// <summary>The domain in Unicode form (punycode labels decoded).</summary>
    public string UnicodeDomain => Convert(Domain, toAscii: false);

    /// <summary>The domain in ASCII form (IDNA punycode), for SMTP without SMTPUTF8.</summary>
    public string AsciiDomain => Convert(Domain, toAscii: true);

    /// <summary>The address with the domain in Unicode form.</summary>
    public string UnicodeAddress => Domain.Length == 0 ? LocalPart : LocalPart + "@" + UnicodeDomain;

    /// <inheritdoc />
    public override string ToHeaderString(FormatOptions? options = null)
    {
        options ??= FormatOptions.Default;
        var domain = options.International ? Domain : AsciiDomain;
        var local = LocalPart.Length > 0 && LocalPart.AsSpan().IndexOfAny(" \"(),:;<>@[\\]") >= 0
            ? "\"" + LocalPart.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""
            : LocalPart;
        var addr = domain.Length == 0 ? local : local + "@" + domain;
        return Name.Length == 0 ? addr : HeaderEncoder.EncodePhrase(Name, options) + " <" + addr + ">";
    }

    private static string Convert(string domain, bool toAscii)
    {
        if (domain.Length == 0 || domain.StartsWith('['))
        {
            return domain;
        }

        try
        {
            return toAscii ? Idn.GetAscii(domain) : Idn.GetUnicode(domain);
        }
        catch (ArgumentException)
        {
            return domain;
        }
    }
}

/// <summary>A named group of mailboxes ("team: a@x, b@y;").</summary>
public sealed class GroupAddress : InternetAddress
{
    /// <summary>Creates a group.</summary>
    public GroupAddress(string name, IEnumerable<MailboxAddress> members)
    {
        Name = name;
        Members = members.ToList();
    }

    /// <summary>The members (possibly none, as in "undisclosed-recipients:;").</summary>
    public IReadOnlyList<MailboxAddress> Members { get; }

    /// <inheritdoc />
    public override string ToHeaderString(FormatOptions? options = null)
    {
        var sb = new StringBuilder(HeaderEncoder.EncodePhrase(Name, options)).Append(':');
        sb.Append(string.Join(", ", Members.Select(m => m.ToHeaderString(options))));
        return sb.Append(';').ToString();
    }
}

/// <summary>An ordered list of addresses from one or more address fields.</summary>
public sealed class InternetAddressList : List<InternetAddress>
{
    /// <summary>Creates an empty list.</summary>
    public InternetAddressList()
    {
    }

    /// <summary>Creates a list from addresses.</summary>
    public InternetAddressList(IEnumerable<InternetAddress> addresses)
        : base(addresses)
    {
    }

    /// <summary>Every mailbox, with group members flattened.</summary>
    public IEnumerable<MailboxAddress> Mailboxes =>
        this.SelectMany(a => a is GroupAddress g ? g.Members : [(MailboxAddress)a]);

    /// <summary>Parses an address field value (lenient; never throws).</summary>
    public static InternetAddressList Parse(string value) => AddressParser.ParseList(value);

    /// <summary>Formats the list for a header.</summary>
    public string ToHeaderString(FormatOptions? options = null) => string.Join(", ", this.Select(a => a.ToHeaderString(options)));

    /// <inheritdoc />
    public override string ToString() => string.Join(", ", this.Select(a => a.ToString()));
}

using System.Buffers;
using System.Text;
using MailMesh.Grains.Campaigns;
using MailMesh.Mime.Addresses;
using MailMesh.Mime.Writing;

namespace MailMesh.Campaigns.Composition;

/// <summary>The composer's addresses: checked once per domain (and the sender once per campaign), written into the
/// address fields as <see cref="MailboxAddress.ToHeaderString"/> writes them.</summary>
public sealed partial class CampaignMessageComposer
{
    private static readonly SearchValues<char> NotInLocalPart = SearchValues.Create(" <>,\"\\@");

    /// <summary>What makes <see cref="MailboxAddress.ToHeaderString"/> quote a local part.</summary>
    private static readonly SearchValues<char> QuotedInLocalPart = SearchValues.Create(" \"(),:;<>@[\\]");

    /// <summary>The To field's value: the address as <see cref="MailboxAddress.ToHeaderString"/> writes it with no display
    /// name, without making a mailbox or mapping the domain again per message.</summary>
    private static string ToHeader(ParsedAddress to, bool utf8)
    {
        if (to.Local.AsSpan().ContainsAny(QuotedInLocalPart))
        {
            return new MailboxAddress(string.Empty, to.Header(utf8)).ToHeaderString(utf8 ? International : FormatOptions.Default);
        }

        // International output keeps the domain as written (Unicode here); otherwise the library maps the ASCII form once
        // more, which the per-domain forms hold.
        return to.Local + "@" + (utf8 ? to.UnicodeDomain : to.Domain.HeaderAscii);
    }

    /// <summary>The sender's checked addresses and header values.</summary>
    /// <exception cref="ArgumentException">The sender or reply-to address is not valid.</exception>
    private SenderHeaderFields Sender(CampaignSender sender)
    {
        var from = Address(sender.FromAddress, "sender address");
        var replyTo = sender.ReplyTo is { } r ? Address(r, "reply-to address") : default;
        var name = sender.FromName ?? string.Empty;
        return new SenderHeaderFields(
            sender,
            from,
            replyTo,
            new MailboxAddress(name, from.Header(false)).ToHeaderString(FormatOptions.Default),
            new MailboxAddress(name, from.Header(true)).ToHeaderString(International),
            replyTo.Local is null ? null : new MailboxAddress(string.Empty, replyTo.Header(false)).ToHeaderString(FormatOptions.Default),
            replyTo.Local is null ? null : new MailboxAddress(string.Empty, replyTo.Header(true)).ToHeaderString(International));
    }

    private ParsedAddress Address(string address, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address, what);
        var trimmed = address.Trim();
        var at = trimmed.LastIndexOf('@');
        var local = at > 0 ? trimmed[..at] : string.Empty;
        var domain = at > 0 ? Domain(trimmed[(at + 1)..]) : null;
        if (local.Length is 0 or > 64 || domain is null || local.AsSpan().IndexOfAny(NotInLocalPart) >= 0
            || local.AsSpan().ContainsAnyInRange('\u0000', '\u001f') || local.AsSpan().ContainsAnyInRange('\u007f', '\u009f'))
        {
            throw new ArgumentException($"the {what} '{address}' is not a valid address (local@domain).", what);
        }

        return new ParsedAddress(local, domain, trimmed[(at + 1)..], !Ascii.IsValid(local));
    }

    /// <summary>The ASCII forms of <paramref name="domain"/> (see <see cref="CompositionOptions.AsciiDomain"/>), remembered:
    /// a campaign's recipients share few domains, and the IDNA mapping costs more than the rest of the address check.</summary>
    private DomainForms? Domain(string domain)
    {
        if (_asciiDomains.TryGetValue(domain, out var forms))
        {
            return forms;
        }

        var ascii = CompositionOptions.AsciiDomain(domain);
        forms = ascii is null ? null : new DomainForms(ascii, new MailboxAddress(string.Empty, "x@" + ascii).AsciiDomain);
        if (_asciiDomains.Count >= MaxRememberedDomains)
        {
            _asciiDomains.Clear();
        }

        _asciiDomains[domain] = forms;
        return forms;
    }

    /// <summary>A domain's ASCII form, and that form as the MIME library writes it into an ASCII header field (mapped
    /// once more).</summary>
    private sealed record DomainForms(string Ascii, string HeaderAscii);

    private readonly record struct ParsedAddress(string? Local, DomainForms Domain, string UnicodeDomain, bool NeedsUtf8)
    {
        public string AsciiDomain => Domain.Ascii;

        public string Envelope => Local + "@" + AsciiDomain;

        public string Display => Local + "@" + UnicodeDomain;

        public string Header(bool international) => Local + "@" + (international ? UnicodeDomain : AsciiDomain);
    }

    /// <summary>A sender checked once, with its From and Reply-To values for ASCII and international messages.</summary>
    private sealed record SenderHeaderFields(
        CampaignSender Sender, ParsedAddress From, ParsedAddress ReplyTo, string AsciiFrom, string InternationalFrom, string? AsciiReplyTo,
        string? InternationalReplyTo)
    {
        public string FromHeader(bool utf8) => utf8 ? InternationalFrom : AsciiFrom;

        public string? ReplyToHeader(bool utf8) => utf8 ? InternationalReplyTo : AsciiReplyTo;
    }
}

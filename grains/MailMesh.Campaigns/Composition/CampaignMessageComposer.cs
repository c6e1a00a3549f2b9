using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text;
using MailMesh.Campaigns.Dkim;
using MailMesh.Campaigns.Links;
using MailMesh.Campaigns.Templates;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Mime.Addresses;
using MailMesh.Mime.Writing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailMesh.Campaigns.Composition;

/// <summary>Composes campaign messages (docs/adr/campaigns-01-composition.md): renders the template for the contact,
/// makes sure the HTML and text parts show an unsubscribe link, rewrites links for click tracking and adds the open
/// pixel, writes the MIME message with the project's writer (From, To, Subject, Date, Message-ID
/// <c>&lt;{sendId}.{campaign}@{domain}&gt;</c>, RFC 8058 List-Unsubscribe and List-Unsubscribe-Post, List-Id,
/// Precedence: bulk, Feedback-ID), signs it with the From domain's DKIM key, and gives the VERP return path as the
/// envelope sender. Thread-safe.</summary>
public sealed partial class CampaignMessageComposer : ICampaignMessageComposer
{
    private readonly TemplateCompiler _compiler;
    private readonly TrackingUrls _urls;
    private readonly DkimSignerSet _dkim;
    private readonly CompositionOptions _options;
    private readonly string _returnPathDomain;
    private readonly string _trackingBase;
    private readonly string _listIdDomain;
    private readonly string? _messageIdDomain;
    private readonly ILogger _logger;
    private static readonly FormatOptions International = new() { International = true };

    private const int MaxRememberedDomains = 10_000;

    /// <summary>Most campaigns whose header values are kept; the map starts over when full.</summary>
    private const int MaxRememberedCampaigns = 256;

    private readonly ConcurrentDictionary<string, bool> _unsignedDomains = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string?> _asciiDomains = new(StringComparer.Ordinal);
    private static readonly SearchValues<char> NotInLocalPart = SearchValues.Create(" <>,\"\\@");
    private readonly ConcurrentDictionary<(string Tenant, string CampaignId, string? List), CampaignHeaderFields> _campaignFields = new();
    private volatile CampaignHeaderFields? _lastCampaignFields;

    /// <summary>A composer over its parts.</summary>
    /// <exception cref="ArgumentException">The options have no valid return-path domain.</exception>
    public CampaignMessageComposer(
        TemplateCompiler compiler, TrackingUrls urls, DkimSignerSet dkim, IOptions<CompositionOptions> options, ILogger<CampaignMessageComposer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(compiler);
        ArgumentNullException.ThrowIfNull(urls);
        ArgumentNullException.ThrowIfNull(dkim);
        ArgumentNullException.ThrowIfNull(options);
        _compiler = compiler;
        _urls = urls;
        _dkim = dkim;
        _options = options.Value;
        _returnPathDomain = CompositionOptions.AsciiDomain(_options.ReturnPathDomain)
            ?? throw new ArgumentException($"Campaigns:Composition:ReturnPathDomain '{_options.ReturnPathDomain}' is not a domain name.", nameof(options));
        _trackingBase = urls.BaseUrl;
        _listIdDomain = CompositionOptions.AsciiDomain(_options.ListIdDomain) ?? _returnPathDomain;
        _messageIdDomain = CompositionOptions.AsciiDomain(_options.MessageIdDomain);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The template compiler (and its cache).</summary>
    public TemplateCompiler Compiler => _compiler;

    /// <summary>The From used for previews and test sends when the caller has none.</summary>
    public CampaignSender DefaultSender => new(_options.DefaultFromAddress ?? "noreply@" + _returnPathDomain, _options.DefaultFromName);

    /// <inheritdoc />
    public ValueTask<ComposedMessage> ComposeAsync(ComposeRequest request, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Compose(request, sign: true).Message);
    }

    /// <summary>The message as it would be sent, unsigned, with its rendered parts.</summary>
    /// <exception cref="TemplateException">The template does not compile.</exception>
    /// <exception cref="ArgumentException">The request cannot make a valid message.</exception>
    public TemplatePreview Preview(ComposeRequest request)
    {
        var composed = Compose(request, sign: false);
        return new TemplatePreview(
            composed.Subject, composed.Html, composed.Text, composed.Message.MissingFields, Encoding.UTF8.GetString(composed.Message.Content.Span));
    }

    private Composed Compose(ComposeRequest request, bool sign)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Template);
        ArgumentNullException.ThrowIfNull(request.Sender);
        var from = Address(request.Sender.FromAddress, "sender address");
        var to = Address(request.Recipient, "recipient");
        var replyTo = request.Sender.ReplyTo is { } r ? Address(r, "reply-to address") : default;
        // Tokens name the address the mail goes to: a test send with a contact's data to a tester's address must not let
        // the tester unsubscribe (or click for) the contact.
        // A contact's address is stored normalized, so a recipient spelled exactly the same needs no second normalization.
        var contactAddress = request.Contact is { } contact && string.Equals(contact.Address, request.Recipient, StringComparison.Ordinal)
            ? contact.Address
            : ContactAddress.Normalize(request.Recipient, "recipient");
        var claims = new TrackingClaims(TrackingKind.Open, request.Tenant, request.CampaignId, contactAddress, request.Now, List: request.List);
        var unsubscribeUrl = _urls.Unsubscribe(claims, request.List);

        // With tracking and no text template, the text is made from the same parse of the HTML as the link rewriting.
        var oneParse = request.Track && request.Template.Text is null && request.Template.Html is not null;
        var rendered = _compiler.Compile(request.Template).Render(request.Contact, to.Display, unsubscribeUrl, request.TimeZone, generateText: !oneParse);
        var html = rendered.Html is null ? null : WithUnsubscribeLink(rendered.Html, unsubscribeUrl);
        // A link index names one target, and a target often appears more than once (in the HTML, again in the text):
        // sign each once per message.
        var clickUrls = new Dictionary<int, string>();
        string Click(int index, string target)
        {
            if (!clickUrls.TryGetValue(index, out var url))
            {
                url = _urls.Click(claims, index, target);
                clickUrls.Add(index, url);
            }

            return url;
        }

        Dictionary<string, int>? links = null;
        IReadOnlySet<string> optedOut = FrozenSet<string>.Empty;
        var text = rendered.Text;
        if (request.Track && html is not null)
        {
            var tracked = LinkRewriter.RewriteHtml(html, Click, _urls.Open(claims), _trackingBase, withText: oneParse);
            html = tracked.Html;
            links = new Dictionary<string, int>(tracked.Links, StringComparer.Ordinal);
            optedOut = tracked.OptedOut;
            text = tracked.Text ?? text;
        }

        if (!text.Contains(unsubscribeUrl, StringComparison.Ordinal))
        {
            text = $"{text.AsSpan().TrimEnd('\n')}\n\n-- \n{_options.UnsubscribeText}: {unsubscribeUrl}\n";
        }

        if (request.Track)
        {
            text = LinkRewriter.RewriteText(text, Click, _trackingBase, links ?? new Dictionary<string, int>(StringComparer.Ordinal), optedOut);
        }

        var utf8 = from.NeedsUtf8 || to.NeedsUtf8 || replyTo.NeedsUtf8;
        var campaign = CampaignFields(request);
        var messageId = $"{request.SendId}.{campaign.MessageIdPart}@{_messageIdDomain ?? from.AsciiDomain}";
        var format = utf8 ? International : FormatOptions.Default;
        var writer = CampaignMimeWriter.Rent();
        writer.Header("From", new MailboxAddress(request.Sender.FromName ?? string.Empty, from.Header(utf8)).ToHeaderString(format));
        if (replyTo.Local is not null)
        {
            writer.Header("Reply-To", new MailboxAddress(string.Empty, replyTo.Header(utf8)).ToHeaderString(format));
        }

        writer.Header("To", new MailboxAddress(string.Empty, to.Header(utf8)).ToHeaderString(format));
        writer.Header("Subject", HeaderEncoder.EncodeUnstructured(rendered.Subject, format));
        writer.Header("Date", DateField.Format(request.Now));
        writer.Header("Message-ID", "<" + messageId + ">");
        var sendId = request.SendId.ToString();
        writer.Header("List-Unsubscribe", $"<{unsubscribeUrl}>, <mailto:{_options.UnsubscribePrefix}+{sendId}@{_returnPathDomain}?subject=unsubscribe>");
        writer.Header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        writer.Header("List-Id", campaign.ListId);
        writer.Header("Precedence", "bulk");
        writer.Header("Feedback-ID", campaign.FeedbackId);
        writer.Header("MIME-Version", "1.0");
        writer.Bodies(text, html);
        var content = sign ? Sign(writer.Written, from.AsciiDomain, request.Now) : writer.ToArray();

        var message = new ComposedMessage(
            ReturnPath.Format(_options.ReturnPathPrefix, request.SendId, _returnPathDomain), to.Envelope, messageId, content, utf8, rendered.MissingFields);
        return new Composed(message, rendered.Subject, html, text);
    }

    private byte[] Sign(ReadOnlySpan<byte> content, string fromDomain, DateTimeOffset now)
    {
        if (_dkim.Find(fromDomain) is { } signer)
        {
            return signer.Sign(content, now);
        }

        if (_dkim.Required)
        {
            throw new ArgumentException($"no DKIM key is configured for the sender domain '{fromDomain}' and Campaigns:Dkim:Required is set; add a key for it under Campaigns:Dkim:Keys.", "request");
        }

        if (_unsignedDomains.TryAdd(fromDomain, true))
        {
            LogUnsigned(_logger, fromDomain);
        }

        return content.ToArray();
    }

    /// <summary>The header values that are the same for every message of a campaign, made once per campaign and kept
    /// for each campaign being composed (a silo sends several campaigns at once, their messages interleaved).</summary>
    private CampaignHeaderFields CampaignFields(ComposeRequest request)
    {
        // The last campaign's values first: a campaign's messages mostly come in runs, and this skips hashing the key.
        var last = _lastCampaignFields;
        if (last is not null && last.Matches(request))
        {
            return last;
        }

        var key = (request.Tenant, request.CampaignId, request.List);
        if (_campaignFields.TryGetValue(key, out var fields))
        {
            _lastCampaignFields = fields;
            return fields;
        }

        var campaign = new StringBuilder(Math.Min(request.CampaignId.Length, 64));
        foreach (var c in request.CampaignId.AsSpan(0, Math.Min(request.CampaignId.Length, 64)))
        {
            campaign.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-');
        }

        // Labels are ASCII, so the encoding needs no UTF-8 and is the same for every recipient.
        fields = new CampaignHeaderFields(
            request.Tenant,
            request.CampaignId,
            request.List,
            HeaderEncoder.EncodeUnstructured($"<{Label(request.List ?? "all")}.{Label(request.Tenant)}.{_listIdDomain}>", FormatOptions.Default),
            HeaderEncoder.EncodeUnstructured($"{Label(request.CampaignId)}:{Label(request.Tenant)}:mailmesh", FormatOptions.Default),
            campaign.ToString());
        if (_campaignFields.Count >= MaxRememberedCampaigns)
        {
            _campaignFields.Clear();
        }

        _campaignFields[key] = fields;
        _lastCampaignFields = fields;
        return fields;
    }

    private string WithUnsubscribeLink(string html, string unsubscribeUrl)
    {
        if (html.Contains(unsubscribeUrl, StringComparison.Ordinal))
        {
            return html;
        }

        var footer = $"<p style=\"font-size:12px;color:#666666\"><a href=\"{unsubscribeUrl}\">{System.Net.WebUtility.HtmlEncode(_options.UnsubscribeText)}</a></p>";
        var bodyEnd = html.LastIndexOf("</body", StringComparison.OrdinalIgnoreCase);
        return bodyEnd < 0 ? html + footer : html.Insert(bodyEnd, footer);
    }

    /// <summary>A DNS-label-safe form of a name (lower case letters, digits and '-', at most 63).</summary>
    private static string Label(string value)
    {
        var sb = new StringBuilder(Math.Min(value.Length, 63));
        foreach (var c in value)
        {
            if (sb.Length == 63)
            {
                break;
            }

            sb.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-');
        }

        return sb.Length == 0 ? "x" : sb.ToString().Trim('-') is { Length: > 0 } trimmed ? trimmed : "x";
    }

    private ParsedAddress Address(string address, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address, what);
        var trimmed = address.Trim();
        var at = trimmed.LastIndexOf('@');
        var local = at > 0 ? trimmed[..at] : string.Empty;
        var domain = at > 0 ? AsciiDomain(trimmed[(at + 1)..]) : null;
        if (local.Length is 0 or > 64 || domain is null || local.AsSpan().IndexOfAny(NotInLocalPart) >= 0
            || local.AsSpan().ContainsAnyInRange('\u0000', '\u001f') || local.AsSpan().ContainsAnyInRange('\u007f', '\u009f'))
        {
            throw new ArgumentException($"the {what} '{address}' is not a valid address (local@domain).", what);
        }

        return new ParsedAddress(local, domain, trimmed[(at + 1)..], !Ascii.IsValid(local));
    }

    /// <summary>The ASCII form of <paramref name="domain"/> (see <see cref="CompositionOptions.AsciiDomain"/>), remembered:
    /// a campaign's recipients share few domains, and the IDNA mapping costs more than the rest of the address check.</summary>
    private string? AsciiDomain(string domain)
    {
        if (_asciiDomains.TryGetValue(domain, out var ascii))
        {
            return ascii;
        }

        ascii = CompositionOptions.AsciiDomain(domain);
        if (_asciiDomains.Count >= MaxRememberedDomains)
        {
            _asciiDomains.Clear();
        }

        _asciiDomains[domain] = ascii;
        return ascii;
    }

    [LoggerMessage(EventId = 8101, Level = LogLevel.Warning, Message = "No DKIM key is configured for sender domain {Domain}: its campaign mail goes out unsigned")]
    private static partial void LogUnsigned(ILogger logger, string domain);

    private readonly record struct ParsedAddress(string? Local, string AsciiDomain, string UnicodeDomain, bool NeedsUtf8)
    {
        public string Envelope => Local + "@" + AsciiDomain;

        public string Display => Local + "@" + UnicodeDomain;

        public string Header(bool international) => Local + "@" + (international ? UnicodeDomain : AsciiDomain);
    }

    private sealed record CampaignHeaderFields(string Tenant, string CampaignId, string? List, string ListId, string FeedbackId, string MessageIdPart)
    {
        public bool Matches(ComposeRequest request) =>
            string.Equals(Tenant, request.Tenant, StringComparison.Ordinal)
            && string.Equals(CampaignId, request.CampaignId, StringComparison.Ordinal)
            && string.Equals(List, request.List, StringComparison.Ordinal);
    }

    private sealed record Composed(ComposedMessage Message, string Subject, string? Html, string Text);
}

using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text;
using MailMesh.Campaigns.Dkim;
using MailMesh.Campaigns.Links;
using MailMesh.Campaigns.Templates;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
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
    private readonly bool _unsubscribeTextHasUrl;

    /// <summary>The HTML unsubscribe footer around its URL (the text after the URL is made once from the options).</summary>
    private const string FooterPrefix = "<p style=\"font-size:12px;color:#666666\"><a href=\"";
    private readonly string _footerSuffix;
    private static readonly FormatOptions International = new() { International = true };

    private const int MaxRememberedDomains = 10_000;
    private const int MaxRetainedTextCapacity = 256 * 1024;

    // One builder per thread for the text part, reused by the next message once the text is taken out of it.
    [ThreadStatic]
    private static StringBuilder? t_text;

    /// <summary>Most campaigns whose header values are kept; the map starts over when full.</summary>
    private const int MaxRememberedCampaigns = 256;

    private readonly ConcurrentDictionary<string, bool> _unsignedDomains = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DomainForms?> _asciiDomains = new(StringComparer.Ordinal);
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
        _unsubscribeTextHasUrl = LinkRewriter.NextUrl(_options.UnsubscribeText ?? string.Empty, 0).Length > 0;
        _footerSuffix = $"\">{System.Net.WebUtility.HtmlEncode(_options.UnsubscribeText)}</a></p>";
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
        var campaign = CampaignFields(request);
        var sender = campaign.SenderFields(request.Sender, this);
        var to = Address(request.Recipient, "recipient");
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
        var compiled = _compiler.Compile(request.Template);
        var track = request.Track && request.Template.Html is not null;
        var rendered = compiled.Render(request.Contact, to.Display, unsubscribeUrl, request.TimeZone, generateText: !oneParse, markValues: track);
        var marked = rendered.Marked;
        var html = rendered.Html is null ? null : WithUnsubscribeLink(rendered.Html, unsubscribeUrl, ref marked);
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
            var tracked = marked is not null
                ? LinkRewriter.RewriteMarkedHtml(marked, compiled.HtmlPlans, Click, _urls.Open(claims), _trackingBase, withText: oneParse)
                : LinkRewriter.RewriteHtml(html, Click, _urls.Open(claims), _trackingBase, withText: oneParse);
            html = tracked.Html;
            // The sink's map is this message's own: the text part adds its targets to it rather than to a copy.
            links = tracked.Links is Dictionary<string, int> own && own.Comparer == StringComparer.Ordinal
                ? own
                : new Dictionary<string, int>(tracked.Links, StringComparer.Ordinal);
            optedOut = tracked.OptedOut;
            text = tracked.Text ?? text;
        }

        text = TextWithFooter(text, unsubscribeUrl, request.Track ? (Click, links ?? new Dictionary<string, int>(StringComparer.Ordinal), optedOut) : null);

        var utf8 = sender.From.NeedsUtf8 || to.NeedsUtf8 || sender.ReplyTo.NeedsUtf8;
        var messageId = $"{request.SendId}.{campaign.MessageIdPart}@{_messageIdDomain ?? sender.From.AsciiDomain}";
        var format = utf8 ? International : FormatOptions.Default;
        var writer = CampaignMimeWriter.Rent();
        writer.Header("From", sender.FromHeader(utf8));
        if (sender.ReplyTo.Local is not null)
        {
            writer.Header("Reply-To", sender.ReplyToHeader(utf8)!);
        }

        writer.Header("To", ToHeader(to, utf8));
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
        var content = sign ? Sign(writer.Written, sender.From.AsciiDomain, request.Now) : writer.ToArray();

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

    /// <summary>The HTML with the unsubscribe footer when it does not show the unsubscribe URL yet; <paramref name="marked"/>
    /// (the places of the HTML's values) follows, with the footer's URL as a value of its own, or becomes null.</summary>
    private string WithUnsubscribeLink(string html, string unsubscribeUrl, ref MarkedHtml? marked)
    {
        if (html.Contains(unsubscribeUrl, StringComparison.Ordinal))
        {
            return html;
        }

        var bodyEnd = html.LastIndexOf("</body", StringComparison.OrdinalIgnoreCase);
        var at = bodyEnd < 0 ? html.Length : bodyEnd;
        if (marked is not null && !marked.InValue(at))
        {
            marked = marked.Insert(at, FooterPrefix, unsubscribeUrl, _footerSuffix);
            return marked.Html;
        }

        marked = null;
        return html.Insert(at, FooterPrefix + unsubscribeUrl + _footerSuffix);
    }

    /// <summary>The text part with the unsubscribe footer when it does not show the unsubscribe URL yet, and its URLs
    /// rewritten for tracking when <paramref name="tracking"/> is given, made in one buffer: the footer is appended after
    /// the rewriting (its only URL, under the tracking base, is never rewritten) unless the footer's own text holds a URL.</summary>
    private string TextWithFooter(
        string text, string unsubscribeUrl, (Func<int, string, string> Click, Dictionary<string, int> Links, IReadOnlySet<string> OptedOut)? tracking)
    {
        var footer = !text.Contains(unsubscribeUrl, StringComparison.Ordinal);
        if (footer && (tracking is null || _unsubscribeTextHasUrl))
        {
            // Without tracking there is nothing else to do; a URL in the footer's text is tracked with the rest.
            text = $"{text.AsSpan().TrimEnd('\n')}\n\n-- \n{_options.UnsubscribeText}: {unsubscribeUrl}\n";
            footer = false;
        }

        if (tracking is not { } t)
        {
            return text;
        }

        var output = t_text ?? new StringBuilder(text.Length + 1024);
        t_text = null;
        try
        {
            if (!LinkRewriter.RewriteText(text, t.Click, _trackingBase, t.Links, t.OptedOut, output) && !footer)
            {
                return text;
            }

            if (footer)
            {
                var end = output.Length;
                while (end > 0 && output[end - 1] == '\n')
                {
                    end--;
                }

                output.Length = end;
                output.Append("\n\n-- \n").Append(_options.UnsubscribeText).Append(": ").Append(unsubscribeUrl).Append('\n');
            }

            return output.ToString();
        }
        finally
        {
            if (output.Capacity <= MaxRetainedTextCapacity)
            {
                output.Clear();
                t_text = output;
            }
        }
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

    [LoggerMessage(EventId = 8101, Level = LogLevel.Warning, Message = "No DKIM key is configured for sender domain {Domain}: its campaign mail goes out unsigned")]
    private static partial void LogUnsigned(ILogger logger, string domain);

    private sealed record CampaignHeaderFields(string Tenant, string CampaignId, string? List, string ListId, string FeedbackId, string MessageIdPart)
    {
        private volatile SenderHeaderFields? _sender;

        /// <summary>The checked sender and its header values, kept for the campaign's last sender (mostly its only one).</summary>
        public SenderHeaderFields SenderFields(CampaignSender sender, CampaignMessageComposer composer)
        {
            var kept = _sender;
            if (kept is not null && (ReferenceEquals(kept.Sender, sender) || kept.Sender.Equals(sender)))
            {
                return kept;
            }

            kept = composer.Sender(sender);
            _sender = kept;
            return kept;
        }

        public bool Matches(ComposeRequest request) =>
            string.Equals(Tenant, request.Tenant, StringComparison.Ordinal)
            && string.Equals(CampaignId, request.CampaignId, StringComparison.Ordinal)
            && string.Equals(List, request.List, StringComparison.Ordinal);
    }

    private sealed record Composed(ComposedMessage Message, string Subject, string? Html, string Text);
}

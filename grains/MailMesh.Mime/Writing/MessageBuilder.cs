using System.Security.Cryptography;
using System.Text;
using MailMesh.Mime.Addresses;
using MailMesh.Mime.Encodings;
using MailMesh.Mime.Headers;

namespace MailMesh.Mime.Writing;

/// <summary>An attachment or inline resource for <see cref="MessageBuilder"/>.</summary>
/// <param name="FileName">File name (non-ASCII names are written with RFC 2231).</param>
/// <param name="Content">The bytes.</param>
/// <param name="ContentType">"type/subtype".</param>
/// <param name="ContentId">Content-ID for inline resources referenced as "cid:" from HTML, else null.</param>
public sealed record BuilderAttachment(string FileName, ReadOnlyMemory<byte> Content, string ContentType = "application/octet-stream", string? ContentId = null);

/// <summary>
/// Builds messages: text and/or HTML bodies (multipart/alternative), inline resources
/// (multipart/related), attachments (multipart/mixed). Headers are RFC 2047-encoded only where needed
/// and folded; each part gets 7bit, 8bit (when <see cref="Allow8Bit"/>), quoted-printable or base64.
/// </summary>
public sealed class MessageBuilder
{
    /// <summary>From mailboxes.</summary>
    public InternetAddressList From { get; } = [];

    /// <summary>To addresses.</summary>
    public InternetAddressList To { get; } = [];

    /// <summary>Cc addresses.</summary>
    public InternetAddressList Cc { get; } = [];

    /// <summary>Bcc addresses (written only when <see cref="WriteBcc"/> is set; transports use them as recipients).</summary>
    public InternetAddressList Bcc { get; } = [];

    /// <summary>Reply-To addresses.</summary>
    public InternetAddressList ReplyTo { get; } = [];

    /// <summary>Subject.</summary>
    public string? Subject { get; set; }

    /// <summary>Date; now when unset.</summary>
    public DateTimeOffset? Date { get; set; }

    /// <summary>Message-ID without brackets; generated when unset.</summary>
    public string? MessageId { get; set; }

    /// <summary>In-Reply-To id without brackets.</summary>
    public string? InReplyTo { get; set; }

    /// <summary>References ids without brackets.</summary>
    public List<string> References { get; } = [];

    /// <summary>Extra header fields (unencoded values), written after the standard ones.</summary>
    public List<KeyValuePair<string, string>> ExtraHeaders { get; } = [];

    /// <summary>Plain text body.</summary>
    public string? TextBody { get; set; }

    /// <summary>HTML body.</summary>
    public string? HtmlBody { get; set; }

    /// <summary>Attachments (multipart/mixed).</summary>
    public List<BuilderAttachment> Attachments { get; } = [];

    /// <summary>Inline resources referenced by the HTML body (multipart/related).</summary>
    public List<BuilderAttachment> LinkedResources { get; } = [];

    /// <summary>The server accepts 8BITMIME: non-ASCII text may go as 8bit.</summary>
    public bool Allow8Bit { get; set; }

    /// <summary>The server accepts SMTPUTF8: headers carry raw UTF-8 (RFC 6532) instead of encoded words.</summary>
    public bool International { get; set; }

    /// <summary>Write the Bcc field into the message (off by default).</summary>
    public bool WriteBcc { get; set; }

    /// <summary>Builds the message.</summary>
    public MimeMessage Build()
    {
        var format = new FormatOptions { International = International };
        var headers = new HeaderList();
        AddAddresses(headers, "From", From, format);
        AddAddresses(headers, "Reply-To", ReplyTo, format);
        AddAddresses(headers, "To", To, format);
        AddAddresses(headers, "Cc", Cc, format);
        if (WriteBcc)
        {
            AddAddresses(headers, "Bcc", Bcc, format);
        }

        if (Subject is not null)
        {
            headers.Add(Header.FromEncoded("Subject", HeaderEncoder.EncodeUnstructured(Subject, format)));
        }

        headers.Add(Header.FromEncoded("Date", DateParser.Format(Date ?? DateTimeOffset.Now)));
        var domain = From.Mailboxes.FirstOrDefault()?.AsciiDomain is { Length: > 0 } d ? d : "mailmesh.local";
        headers.Add(Header.FromEncoded("Message-ID", "<" + (MessageId ?? NewId() + "@" + domain) + ">"));
        if (InReplyTo is not null)
        {
            headers.Add(Header.FromEncoded("In-Reply-To", "<" + InReplyTo + ">"));
        }

        if (References.Count > 0)
        {
            headers.Add(Header.FromEncoded("References", string.Join(" ", References.Select(r => "<" + r + ">"))));
        }

        foreach (var (name, value) in ExtraHeaders)
        {
            headers.Add(Header.FromEncoded(name, HeaderEncoder.EncodeUnstructured(value, format)));
        }

        headers.Add(Header.FromEncoded("MIME-Version", "1.0"));
        var body = BuildBody(headers);
        return new MimeMessage(body);
    }

    private MimeEntity BuildBody(HeaderList top)
    {
        MimeEntity? text = TextBody is null ? null : TextPart("plain", TextBody, null);
        MimeEntity? html = null;
        if (HtmlBody is not null)
        {
            html = TextPart("html", HtmlBody, null);
            if (LinkedResources.Count > 0)
            {
                html = Multi("related", null, [html, .. LinkedResources.Select(r => BinaryPart(r, inline: true, null))], "text/html");
            }
        }

        var main = (text, html) switch
        {
            (not null, not null) => Multi("alternative", null, [text, html]),
            (not null, null) => text,
            (null, not null) => html,
            _ => TextPart("plain", string.Empty, null),
        };
        if (Attachments.Count == 0)
        {
            return Rehome(main, top);
        }

        return Multi("mixed", top, [main, .. Attachments.Select(a => BinaryPart(a, inline: false, null))]);
    }

    /// <summary>Rebuilds a finished entity with the message headers in front of its content headers.</summary>
    private static MimeEntity Rehome(MimeEntity entity, HeaderList top)
    {
        foreach (var h in entity.Headers)
        {
            top.Add(h);
        }

        return entity switch
        {
            Multipart m => CopyChildren(m, new Multipart(top, m.ContentType)),
            MimePart p => new MimePart(top, p.ContentType, p.RawContent),
            _ => entity,
        };
    }

    private static Multipart CopyChildren(Multipart from, Multipart to)
    {
        to.Children.AddRange(from.Children);
        return to;
    }

    private MimePart TextPart(string subtype, string text, HeaderList? headers)
    {
        var bytes = ContentEncoder.NormalizeCrlf(Encoding.UTF8.GetBytes(text));
        var encoding = ContentEncoder.Choose(bytes, isText: true, Allow8Bit);
        var type = new ContentType("text", subtype);
        type.Charset = Ascii.IsValid(bytes) ? "us-ascii" : "utf-8";
        headers ??= new HeaderList();
        headers.Add(Header.FromEncoded("Content-Type", type.ToString()));
        headers.Add(Header.FromEncoded("Content-Transfer-Encoding", ContentEncodings.ToHeaderValue(encoding)));
        return new MimePart(headers, type, ContentEncoder.Encode(bytes, encoding));
    }

    private MimePart BinaryPart(BuilderAttachment attachment, bool inline, HeaderList? headers)
    {
        var slash = attachment.ContentType.IndexOf('/', StringComparison.Ordinal);
        var type = slash > 0
            ? new ContentType(attachment.ContentType[..slash].ToLowerInvariant(), attachment.ContentType[(slash + 1)..].ToLowerInvariant())
            : new ContentType("application", "octet-stream");
        var isText = type.MediaType == "text";
        var encoding = ContentEncoder.Choose(attachment.Content.Span, isText, Allow8Bit);
        if (isText && encoding is ContentEncoding.SevenBit or ContentEncoding.EightBit && attachment.Content.Span.IndexOf((byte)'\r') < 0 && attachment.Content.Span.IndexOf((byte)'\n') >= 0)
        {
            // Text with bare LF line ends cannot go as 7bit/8bit on SMTP; QP keeps it exact.
            encoding = ContentEncoding.QuotedPrintable;
        }

        type.Name = attachment.FileName;
        var disposition = new ContentDisposition(inline ? "inline" : "attachment");
        disposition.FileName = attachment.FileName;
        headers ??= new HeaderList();
        headers.Add(Header.FromEncoded("Content-Type", type.ToString()));
        headers.Add(Header.FromEncoded("Content-Disposition", disposition.ToString()));
        headers.Add(Header.FromEncoded("Content-Transfer-Encoding", ContentEncodings.ToHeaderValue(encoding)));
        if (attachment.ContentId is not null)
        {
            headers.Add(Header.FromEncoded("Content-ID", "<" + attachment.ContentId + ">"));
        }

        return new MimePart(headers, type, ContentEncoder.Encode(attachment.Content.Span, encoding));
    }

    private static Multipart Multi(string subtype, HeaderList? headers, IEnumerable<MimeEntity> children, string? relatedType = null)
    {
        var type = new ContentType("multipart", subtype) { Boundary = "=-" + NewId() };
        if (relatedType is not null)
        {
            type.Parameters["type"] = relatedType;
        }

        headers ??= new HeaderList();
        headers.Add(Header.FromEncoded("Content-Type", type.ToString()));
        var multipart = new Multipart(headers, type);
        multipart.Children.AddRange(children);
        return multipart;
    }

    private static void AddAddresses(HeaderList headers, string name, InternetAddressList list, FormatOptions format)
    {
        if (list.Count > 0)
        {
            headers.Add(Header.FromEncoded(name, list.ToHeaderString(format)));
        }
    }

    private static string NewId()
    {
        Span<byte> random = stackalloc byte[15];
        RandomNumberGenerator.Fill(random);
        return Convert.ToBase64String(random).Replace('+', '.').Replace('/', '_');
    }
}

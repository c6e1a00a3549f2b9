using System.Text;
using MailMesh.Mime.Text;

namespace MailMesh.Mime;

/// <summary>A attachment summary for listings and indexing.</summary>
/// <param name="FileName">Decoded file name (RFC 2231/2047), or null.</param>
/// <param name="ContentType">"type/subtype".</param>
/// <param name="EncodedSize">Size of the content as transmitted, in bytes.</param>
/// <param name="ContentId">Content-ID without brackets, or null.</param>
/// <param name="IsInline">True when the disposition is inline (e.g. images referenced by HTML).</param>
/// <param name="Entity">The entity (a <see cref="MimePart"/> or an attached <see cref="MessagePart"/>).</param>
public sealed record AttachmentInfo(string? FileName, string ContentType, long EncodedSize, string? ContentId, bool IsInline, MimeEntity Entity);

public sealed partial class MimeMessage
{
    /// <summary>Every entity below the top (depth-first, document order), not descending into attached messages.</summary>
    public IEnumerable<MimeEntity> Descendants()
    {
        var stack = new Stack<MimeEntity>();
        stack.Push(Body);
        while (stack.Count > 0)
        {
            var e = stack.Pop();
            yield return e;
            if (e is Multipart m)
            {
                for (var i = m.Children.Count - 1; i >= 0; i--)
                {
                    stack.Push(m.Children[i]);
                }
            }
        }
    }

    /// <summary>The best text/plain body (multipart/alternative and related aware), or null.</summary>
    public MimePart? TextBodyPart => FindBody("plain");

    /// <summary>The best text/html body, or null.</summary>
    public MimePart? HtmlBodyPart => FindBody("html");

    /// <summary>The decoded text body, or null.</summary>
    public string? TextBody => TextBodyPart?.GetText();

    /// <summary>The decoded HTML body, or null.</summary>
    public string? HtmlBody => HtmlBodyPart?.GetText();

    /// <summary>The text body, or the HTML body rendered as text, or null.</summary>
    public string? GetTextOrRenderedHtml()
    {
        var text = TextBody;
        if (text is not null)
        {
            return text;
        }

        var html = HtmlBody;
        return html is null ? null : HtmlToText.Convert(html);
    }

    /// <summary>Attachments and inline resources: every non-body leaf part and every attached message.</summary>
    public IReadOnlyList<AttachmentInfo> Attachments
    {
        get
        {
            var text = TextBodyPart;
            var html = HtmlBodyPart;
            var list = new List<AttachmentInfo>();
            foreach (var e in Descendants())
            {
                switch (e)
                {
                    case MimePart p when !ReferenceEquals(p, text) && !ReferenceEquals(p, html) && !ReferenceEquals(p, Body) && (p.IsAttachment || !p.IsText):
                        if (p.ContentType.IsMimeType("message", "delivery-status") || p.ContentType.IsMimeType("message", "feedback-report") || p.ContentType.IsMimeType("application", "pgp-signature"))
                        {
                            break;
                        }

                        list.Add(new AttachmentInfo(p.FileName, p.ContentType.MimeType, p.RawContent.Length, p.ContentId, p.ContentDisposition?.IsAttachment == false, p));
                        break;
                    case MimePart p when !ReferenceEquals(p, text) && !ReferenceEquals(p, html) && p.ContentDisposition is { IsAttachment: true }:
                        list.Add(new AttachmentInfo(p.FileName, p.ContentType.MimeType, p.RawContent.Length, p.ContentId, false, p));
                        break;
                    case MessagePart mp:
                        var size = mp.EncodedContent?.Length ?? (mp.EndOffset - mp.BodyOffset);
                        list.Add(new AttachmentInfo(mp.ContentDisposition?.FileName ?? mp.Message.Subject, mp.ContentType.MimeType, size, mp.ContentId, mp.ContentDisposition?.IsAttachment == false, mp));
                        break;
                    default:
                        break;
                }
            }

            return list;
        }
    }

    /// <summary>The text to index for search: subject, addresses, body text (or rendered HTML) and attachment names.</summary>
    public string GetSearchText()
    {
        var sb = new StringBuilder();
        sb.AppendLine(Subject);
        foreach (var m in From.Mailboxes.Concat(To.Mailboxes).Concat(Cc.Mailboxes))
        {
            sb.Append(m.Name).Append(' ').AppendLine(m.Address);
        }

        sb.AppendLine(GetTextOrRenderedHtml());
        foreach (var a in Attachments)
        {
            if (a.FileName is not null)
            {
                sb.AppendLine(a.FileName);
            }
        }

        return sb.ToString();
    }

    private MimePart? FindBody(string subtype)
    {
        var stack = new Stack<MimeEntity>();
        stack.Push(Body);
        while (stack.Count > 0)
        {
            var e = stack.Pop();
            switch (e)
            {
                case MimePart p when p.ContentType.IsMimeType("text", subtype) && (p.ContentDisposition is null || !p.ContentDisposition.IsAttachment || ReferenceEquals(p, Body)):
                    return p;
                case Multipart m when m.ContentType.MediaSubtype == "alternative":
                    // The last alternative is the preferred one: push in order so it pops first.
                    foreach (var c in m.Children)
                    {
                        stack.Push(c);
                    }

                    break;
                case Multipart m when m.ContentType.MediaSubtype == "related":
                    var start = m.ContentType.Parameters["start"]?.Trim('<', '>');
                    var root = start is null ? null : m.Children.FirstOrDefault(c => c.ContentId == start);
                    root ??= m.Children.FirstOrDefault();
                    if (root is not null)
                    {
                        stack.Push(root);
                    }

                    break;
                case Multipart m:
                    for (var i = m.Children.Count - 1; i >= 0; i--)
                    {
                        stack.Push(m.Children[i]);
                    }

                    break;
                default:
                    break;
            }
        }

        return null;
    }
}

using System.Text;
using MailMesh.Mime.Encodings;

namespace MailMesh.Mime.Tests.Conformance;

/// <summary>Renders a parsed message in the event-structure XML that james-mime4j ships as expected results.</summary>
internal static class Mime4jXml
{
    public static string Render(MimeMessage message)
    {
        var sb = new StringBuilder();
        var stack = new Stack<object>();
        stack.Push(message.Body);
        sb.Append("<message>\r\n");
        stack.Clear();
        stack.Push("</message>\r\n");
        stack.Push(message.Body);
        while (stack.Count > 0)
        {
            var item = stack.Pop();
            if (item is string s)
            {
                sb.Append(s);
                continue;
            }

            var entity = (MimeEntity)item;
            sb.Append("<header>\r\n");
            foreach (var h in entity.Headers)
            {
                var raw = h.RawField.Span;
                raw = raw.EndsWith("\r\n"u8) ? raw[..^2] : raw.EndsWith("\n"u8) ? raw[..^1] : raw;
                sb.Append("<field>\r\n").Append(Escape(raw)).Append("</field>\r\n");
            }

            sb.Append("</header>\r\n");
            switch (entity)
            {
                case Multipart m:
                    sb.Append("<multipart>\r\n");
                    stack.Push("</multipart>\r\n");
                    stack.Push("<epilogue>\r\n" + Escape(m.RawEpilogue.Span) + "</epilogue>\r\n");
                    for (var i = m.Children.Count - 1; i >= 0; i--)
                    {
                        stack.Push("</body-part>\r\n");
                        stack.Push(m.Children[i]);
                        stack.Push("<body-part>\r\n");
                    }

                    stack.Push("<preamble>\r\n" + Escape(m.RawPreamble.Span) + "</preamble>\r\n");
                    break;
                case MessagePart { IsInline: true } mp:
                    sb.Append("<message>\r\n");
                    stack.Push("</message>\r\n");
                    stack.Push(mp.Message.Body);
                    break;
                case MessagePart mp:
                    // An encoded embedded message: mime4j decodes and parses it, and so does MessagePart.Message.
                    sb.Append("<message>\r\n");
                    stack.Push("</message>\r\n");
                    stack.Push(mp.Message.Body);
                    break;
                case MimePart p:
                    sb.Append("<body>\r\n").Append(Escape(p.RawContent.Span)).Append("</body>\r\n");
                    break;
                default:
                    break;
            }
        }

        return sb.ToString();
    }

    private static string Escape(ReadOnlySpan<byte> bytes) =>
        Charsets.Latin1.GetString(bytes).Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>Compares ignoring CR (the expectation files and inputs disagree on line ends).</summary>
    public static bool Same(string expected, string actual) => Normalize(expected) == Normalize(actual);

    /// <summary>
    /// Drops CRs and blank-only epilogues: mime4j gives the line break after a closing delimiter to
    /// the epilogue, this parser gives it to the delimiter (RFC 2046 grammar); documented in
    /// docs/mime-conformance.md.
    /// </summary>
    public static string Normalize(string xml) =>
        System.Text.RegularExpressions.Regex.Replace(xml.Replace("\r", string.Empty, StringComparison.Ordinal), "<epilogue>\n\n?</epilogue>\n|<preamble>\n</preamble>\n", string.Empty);
}

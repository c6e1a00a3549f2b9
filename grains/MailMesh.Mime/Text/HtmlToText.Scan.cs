using System.Net;
using System.Text;

namespace MailMesh.Mime.Text;

public static partial class HtmlToText
{
    /// <summary>Deepest element nesting (as estimated from the tags) rendered through a DOM.</summary>
    public const int MaxTreeDepth = 1000;

    private static readonly HashSet<string> VoidElements = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> VoidNames = VoidElements.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>True when start tags, less end tags (void and self-closing ones not counted), reach more than <paramref name="limit"/> at some point.</summary>
    internal static bool NestsDeeperThan(string html, int limit)
    {
        var depth = 0;
        var i = 0;
        while ((i = html.IndexOf('<', i)) >= 0)
        {
            var tag = ReadTag(html, i, out var closing, out var end);
            var selfClosing = html[end - 1] == '>' && html[end - 2] == '/';
            if (tag.Length > 0 && !selfClosing && !VoidNames.Contains(tag))
            {
                depth = closing ? Math.Max(0, depth - 1) : depth + 1;
                if (depth > limit)
                {
                    return true;
                }
            }

            i = end;
        }

        return false;
    }

    /// <summary>
    /// The tag at <paramref name="lt"/>: its name (empty for comments, declarations and a stray "&lt;"),
    /// whether it is an end tag, and the index just past it.
    /// </summary>
    private static ReadOnlySpan<char> ReadTag(string html, int lt, out bool closing, out int end)
    {
        closing = false;
        if (html.AsSpan(lt).StartsWith("<!--"))
        {
            var close = html.IndexOf("-->", lt + 4, StringComparison.Ordinal);
            end = close < 0 ? html.Length : close + 3;
            return default;
        }

        var p = lt + 1;
        if (p < html.Length && html[p] == '/')
        {
            closing = true;
            p++;
        }

        var nameStart = p;
        while (p < html.Length && char.IsAsciiLetterOrDigit(html[p]))
        {
            p++;
        }

        if (p == nameStart || !char.IsAsciiLetter(html[nameStart]))
        {
            // "<" followed by no tag name is text (or a declaration such as <!DOCTYPE>, skipped).
            end = html.Length > lt + 1 && html[lt + 1] is '!' or '?' ? EndOfTag(html, lt) : lt + 1;
            return default;
        }

        end = EndOfTag(html, p);
        return html.AsSpan(nameStart, p - nameStart);
    }

    private static int EndOfTag(string html, int from)
    {
        var gt = html.IndexOf('>', from);
        return gt < 0 ? html.Length : gt + 1;
    }

    /// <summary>The linear renderer: text between tags (entities decoded), block tags as line breaks, skipped elements dropped.</summary>
    internal static string ConvertByScanning(string html)
    {
        var sb = new StringBuilder(html.Length / 2);
        var i = 0;
        while (i < html.Length)
        {
            var lt = html.IndexOf('<', i);
            var textEnd = lt < 0 ? html.Length : lt;
            if (textEnd > i)
            {
                AppendCollapsed(sb, WebUtility.HtmlDecode(html[i..textEnd]));
            }

            if (lt < 0)
            {
                break;
            }

            var name = ReadTag(html, lt, out var closing, out var end);
            if (name.IsEmpty)
            {
                if (end == lt + 1)
                {
                    sb.Append('<');
                }

                i = end;
                continue;
            }

            var tag = name.ToString().ToLowerInvariant();
            if (!closing && Skipped.Contains(tag))
            {
                var close = html.IndexOf("</" + tag, end, StringComparison.OrdinalIgnoreCase);
                i = close < 0 ? html.Length : EndOfTag(html, close);
                continue;
            }

            if (tag is "td" or "th" && closing)
            {
                sb.Append('\t');
            }
            else if (Blocks.Contains(tag))
            {
                NewLine(sb);
                if (tag == "li" && !closing)
                {
                    sb.Append("- ");
                }
            }

            i = end;
        }

        return Tidy(sb.ToString());
    }
}

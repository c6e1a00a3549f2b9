using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace MailMesh.Mime.Text;

/// <summary>
/// Renders HTML as plain text for rules, previews and search (AngleSharp DOM, iterative walk; HTML nested
/// deeper than <see cref="MaxTreeDepth"/> by a linear tag scan instead).
/// </summary>
public static partial class HtmlToText
{
    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "pre", "hr", "section", "article", "header", "footer", "dt", "dd",
    };

    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase) { "script", "style", "head", "title", "noscript", "template" };

    /// <summary>Converts HTML to text: block elements become line breaks, list items get "- ", links keep their target.</summary>
    public static string Convert(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        if (NestsDeeperThan(html, MaxTreeDepth))
        {
            // Building a DOM of very deep nesting costs time quadratic in the depth (minutes for
            // hostile mail of a few hundred KB), so such input is rendered by a linear tag scan.
            return ConvertByScanning(html);
        }

        var parser = new HtmlParser();
        using var document = parser.ParseDocument(html);
        var sb = new StringBuilder(html.Length / 2);
        var stack = new Stack<(INode Node, bool Closing)>();
        stack.Push((document.Body ?? (INode)document.DocumentElement, false));
        while (stack.Count > 0)
        {
            var (node, closing) = stack.Pop();
            if (node is IElement element)
            {
                var tag = element.LocalName;
                if (closing)
                {
                    if (tag == "a" && element.GetAttribute("href") is { } href && href.StartsWith("http", StringComparison.OrdinalIgnoreCase) && !sb.ToString(Math.Max(0, sb.Length - href.Length), Math.Min(sb.Length, href.Length)).Contains(href, StringComparison.Ordinal))
                    {
                        sb.Append(" (").Append(href).Append(')');
                    }
                    else if (tag is "td" or "th")
                    {
                        sb.Append('\t');
                    }
                    else if (Blocks.Contains(tag))
                    {
                        NewLine(sb);
                    }

                    continue;
                }

                if (Skipped.Contains(tag))
                {
                    continue;
                }

                if (Blocks.Contains(tag))
                {
                    NewLine(sb);
                }

                if (tag == "li")
                {
                    sb.Append("- ");
                }
                else if (tag == "img" && element.GetAttribute("alt") is { Length: > 0 } alt)
                {
                    sb.Append('[').Append(alt).Append(']');
                }

                stack.Push((node, true));
                for (var i = node.ChildNodes.Length - 1; i >= 0; i--)
                {
                    stack.Push((node.ChildNodes[i], false));
                }
            }
            else if (node is IText text)
            {
                AppendCollapsed(sb, text.Data);
            }
            else if (node is IDocument or IDocumentFragment)
            {
                for (var i = node.ChildNodes.Length - 1; i >= 0; i--)
                {
                    stack.Push((node.ChildNodes[i], false));
                }
            }
        }

        return Tidy(sb.ToString());
    }

    private static void NewLine(StringBuilder sb)
    {
        while (sb.Length > 0 && sb[^1] == ' ')
        {
            sb.Length--;
        }

        if (sb.Length > 0 && sb[^1] != '\n')
        {
            sb.Append('\n');
        }
    }

    private static void AppendCollapsed(StringBuilder sb, string text)
    {
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) && c != '\u00A0')
            {
                if (sb.Length > 0 && sb[^1] is not (' ' or '\n'))
                {
                    sb.Append(' ');
                }
            }
            else
            {
                sb.Append(c == '\u00A0' ? ' ' : c);
            }
        }
    }

    private static string Tidy(string text)
    {
        var lines = text.Split('\n').Select(l => l.Trim());
        var sb = new StringBuilder();
        var blank = 0;
        foreach (var line in lines)
        {
            if (line.Length == 0)
            {
                if (++blank > 1 || sb.Length == 0)
                {
                    continue;
                }
            }
            else
            {
                blank = 0;
            }

            sb.Append(line).Append('\n');
        }

        return sb.ToString().Trim();
    }
}

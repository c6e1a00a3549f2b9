using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace MailMesh.Campaigns.Templates;

/// <summary>The text part made from an HTML part: block elements become paragraphs, list items "- " lines, links
/// "text (url)", images their alt text; head, scripts and styles are dropped; whitespace collapses as a browser would
/// show it (except in <c>pre</c>). Lines end with LF.</summary>
public static class HtmlText
{
    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase) { "head", "script", "style", "template", "noscript", "title" };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tr", "blockquote", "section", "article", "header", "footer",
        "main", "nav", "aside", "form", "pre", "address", "center", "dl", "dt", "dd", "figure", "figcaption", "hr", "li",
    };

    private static readonly HtmlParser Parser = new();

    /// <summary>The text of <paramref name="html"/> (any HTML; malformed markup is read as a browser would).</summary>
    public static string FromHtml(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        using var document = Parser.ParseDocument(html);
        return FromDocument(document);
    }

    /// <summary>The text of a parsed document (so a caller that parses the HTML anyway does it once).</summary>
    public static string FromDocument(AngleSharp.Dom.IDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var writer = new Writer();
        writer.Walk(document.Body ?? (INode)document, preformatted: false);
        return writer.ToString();
    }

    private sealed class Writer
    {
        private readonly StringBuilder _text = new();
        private int _pendingBreaks;
        private bool _pendingSpace;

        public void Walk(INode node, bool preformatted)
        {
            foreach (var child in node.ChildNodes)
            {
                switch (child)
                {
                    case IText text:
                        Append(text.Data, preformatted);
                        break;
                    case IElement element:
                        Element(element, preformatted);
                        break;
                    default:
                        break;
                }
            }
        }

        private void Element(IElement element, bool preformatted)
        {
            var name = element.LocalName;
            if (Skipped.Contains(name))
            {
                return;
            }

            switch (name)
            {
                case "br":
                    Break(1);
                    return;
                case "hr":
                    Break(2);
                    Word("----");
                    Break(2);
                    return;
                case "img":
                    if (element.GetAttribute("alt") is { Length: > 0 } alt)
                    {
                        Append(alt, false);
                    }

                    return;
                case "td" or "th":
                    _pendingSpace = true;
                    Walk(element, preformatted);
                    _pendingSpace = true;
                    return;
                case "a":
                    Link(element, preformatted);
                    return;
                default:
                    break;
            }

            var block = Blocks.Contains(name);
            var paragraph = name is not ("li" or "tr" or "dt" or "dd");
            if (block)
            {
                Break(paragraph ? 2 : 1);
            }

            if (name == "li")
            {
                Word(element.ParentElement?.LocalName == "ol" ? $"{Index(element)}. " : "- ");
            }

            Walk(element, preformatted || name == "pre");
            if (block)
            {
                Break(paragraph ? 2 : 1);
            }
        }

        private void Link(IElement element, bool preformatted)
        {
            var before = _text.Length;
            Walk(element, preformatted);
            var href = element.GetAttribute("href")?.Trim();
            if (string.IsNullOrEmpty(href) || href.StartsWith('#') || href.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }

            var shown = _text.ToString(before, _text.Length - before).Trim();
            var target = href.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) ? href[7..] : href;
            if (!string.Equals(shown, target, StringComparison.OrdinalIgnoreCase) && !string.Equals(shown, href, StringComparison.OrdinalIgnoreCase))
            {
                Word(shown.Length == 0 ? href : "(" + href + ")", spaceBefore: shown.Length > 0);
            }
        }

        private static int Index(IElement item)
        {
            var index = 1;
            for (var sibling = item.PreviousElementSibling; sibling is not null; sibling = sibling.PreviousElementSibling)
            {
                index += sibling.LocalName == "li" ? 1 : 0;
            }

            return index;
        }

        private void Append(string data, bool preformatted)
        {
            if (preformatted)
            {
                var lines = data.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    if (i > 0)
                    {
                        Break(1);
                    }

                    if (lines[i].Length > 0)
                    {
                        Flush();
                        _text.Append(lines[i]);
                    }
                }

                return;
            }

            var pieces = data.Split([' ', '\t', '\r', '\n', '\f', '\u00a0'], StringSplitOptions.None);
            for (var i = 0; i < pieces.Length; i++)
            {
                _pendingSpace |= i > 0;
                if (pieces[i].Length > 0)
                {
                    Word(pieces[i]);
                }
            }
        }

        private void Word(string word, bool spaceBefore = false)
        {
            _pendingSpace |= spaceBefore;
            Flush();
            _text.Append(word);
        }

        private void Flush()
        {
            if (_text.Length == 0)
            {
                _pendingBreaks = 0;
                _pendingSpace = false;
                return;
            }

            if (_pendingBreaks > 0)
            {
                _text.Append('\n', _pendingBreaks);
            }
            else if (_pendingSpace && _text[^1] is not (' ' or '\n'))
            {
                _text.Append(' ');
            }

            _pendingBreaks = 0;
            _pendingSpace = false;
        }

        private void Break(int lines)
        {
            var trailing = 0;
            for (var i = _text.Length - 1; i >= 0 && _text[i] == '\n'; i--)
            {
                trailing++;
            }

            _pendingBreaks = Math.Max(_pendingBreaks, lines - trailing);
            _pendingSpace = false;
        }

        public override string ToString()
        {
            var lines = _text.ToString().Split('\n').Select(l => l.TrimEnd());
            return string.Join('\n', lines).Trim('\n') + "\n";
        }
    }
}

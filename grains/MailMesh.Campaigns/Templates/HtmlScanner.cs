using MailMesh.Campaigns.Links;

namespace MailMesh.Campaigns.Templates;

/// <summary>Reads well-formed HTML in one pass, without building a document: the text part (the same events as a walk
/// of the parsed document, so the same text as <see cref="HtmlText.FromDocument"/>) and, for campaign mail, the link
/// rewriting and open pixel, edited into the original markup. It follows the HTML tokenizer (tags, attributes, comments,
/// character references, raw-text elements) and accepts only markup whose document tree is the plain nesting of its
/// tags: every end tag closes the current element, tables hold rows and cells where the parser keeps them, nothing is
/// closed or re-opened implicitly (except a row's implied <c>tbody</c>), and no element the parser moves or treats
/// specially appears. For anything else it gives up (null) and the caller parses the HTML with AngleSharp, so malformed
/// markup is still read as a browser reads it.</summary>
internal sealed partial class HtmlScanner
{
    private readonly string _html;
    private readonly HtmlTextWriter? _text;
    private readonly LinkSink? _links;
    private readonly PlanRecorder? _record;
    private readonly List<Frame> _stack = [];
    private readonly List<Attribute> _attributes = [];
    private int _pos;
    private Phase _phase;
    private bool _sawHead;
    private bool _sawTag;
    private int _skipFrom = -1;
    private int _preDepth;
    private bool _dropNewline;
    private bool _unreadable;

    private HtmlScanner(string html, HtmlTextWriter? text, LinkSink? links, PlanRecorder? record = null)
    {
        _html = html;
        _text = text;
        _links = links;
        _record = record;
    }

    /// <summary>Whether the text part is being made (or recorded).</summary>
    private bool Writes => _text is not null || _record is { WithText: true };

    private enum Phase
    {
        Initial,
        BeforeBody,
        InBody,
        AfterBody,
        AfterHtml,
    }

    /// <summary>The text of <paramref name="html"/>, or null when it is not plainly nested (parse it instead).</summary>
    public static string? TryText(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var text = new HtmlTextWriter();
        return new HtmlScanner(Normalize(html), text, null).Run() ? text.Finish() : null;
    }

    /// <summary>Rewrites the links of <paramref name="html"/> as <see cref="LinkRewriter.RewriteHtml"/> does (and
    /// gives its text when asked), or null when it is not plainly nested (parse it instead).</summary>
    public static TrackedHtml? TryRewrite(string html, Func<int, string, string> clickUrl, string? pixelUrl, string trackingBase, bool withText)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(clickUrl);
        var normalized = Normalize(html);
        var text = withText ? new HtmlTextWriter() : null;
        var links = new LinkSink(normalized, clickUrl, pixelUrl, trackingBase);
        if (!new HtmlScanner(normalized, text, links).Run())
        {
            return null;
        }

        return new TrackedHtml(links.Finish(), links.Links, links.OptedOut, text?.Finish());
    }

    /// <summary>CR LF and CR become LF, as the parser's input stream does.</summary>
    private static string Normalize(string html) =>
        html.Contains('\r', StringComparison.Ordinal) ? html.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n') : html;

    private bool Run()
    {
        var html = _html;
        if (html.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        while (_pos < html.Length)
        {
            var lt = html.IndexOf('<', _pos);
            var end = lt < 0 ? html.Length : lt;
            if (end > _pos && !Text(_pos, end))
            {
                return false;
            }

            if (lt < 0)
            {
                break;
            }

            _pos = lt;
            if (!Markup())
            {
                return false;
            }
        }

        return Finish();
    }

    private bool Markup()
    {
        var html = _html;
        var next = _pos + 1 < html.Length ? html[_pos + 1] : '\0';
        if (next == '!')
        {
            _dropNewline = false;
            return Declaration();
        }

        if (next == '/' && _pos + 2 < html.Length && char.IsAsciiLetter(html[_pos + 2]))
        {
            _dropNewline = false;
            return Tag(endTag: true);
        }

        if (char.IsAsciiLetter(next))
        {
            _dropNewline = false;
            return Tag(endTag: false);
        }

        if (next is '/' or '?')
        {
            return false;
        }

        // A '<' that starts no tag is text.
        _pos++;
        return Text(_pos - 1, _pos);
    }

    private bool Declaration()
    {
        var html = _html;
        if (string.CompareOrdinal(html, _pos, "<!--", 0, 4) == 0)
        {
            var start = _pos + 4;
            if (start >= html.Length || html[start] == '>' || (html[start] == '-' && start + 1 < html.Length && html[start + 1] == '>'))
            {
                return false;
            }

            var close = html.IndexOf("-->", start, StringComparison.Ordinal);
            if (close < 0 || html.AsSpan(start, close - start).IndexOf("--!>", StringComparison.Ordinal) >= 0)
            {
                return false;
            }

            _pos = close + 3;
            return true;
        }

        if (_phase == Phase.Initial && !_sawTag && string.Compare(html, _pos, "<!doctype", 0, 9, StringComparison.OrdinalIgnoreCase) == 0)
        {
            var gt = html.IndexOf('>', _pos);
            if (gt < 0)
            {
                return false;
            }

            _pos = gt + 1;
            return true;
        }

        return false;
    }

    private bool Text(int start, int end)
    {
        var html = _html;
        if (_dropNewline)
        {
            _dropNewline = false;
            _record?.DropCheck(start);
            if (html[start] == '\n')
            {
                start++;
                if (start == end)
                {
                    return true;
                }
            }
        }

        var span = html.AsSpan(start, end - start);
        _record?.TextRun(start, end);
        var whitespace = span.IndexOfAnyExcept(" \t\n\f") < 0;
        switch (_phase)
        {
            case Phase.Initial or Phase.BeforeBody:
                if (whitespace)
                {
                    return true;
                }

                _phase = Phase.InBody;
                break;
            case Phase.AfterBody or Phase.AfterHtml:
                return whitespace;
            default:
                break;
        }

        if (!whitespace && InTable())
        {
            return false;
        }

        if (_record is not null && Writes && _skipFrom < 0)
        {
            _record.Text(start, end, _preDepth > 0);
            return !span.Contains('&') || Decode(span) is not null;
        }

        if (_text is not null && _skipFrom < 0)
        {
            // Text without a character reference goes to the writer where it lies.
            if (!span.Contains('&'))
            {
                _text.Text(span, _preDepth > 0);
            }
            else if (Decode(span) is { } data)
            {
                _text.Text(data, _preDepth > 0);
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    private bool InTable() => _stack.Count > 0 && _stack[^1].Name is "table" or "tbody" or "thead" or "tfoot" or "tr" or "colgroup";

    private bool Tag(bool endTag)
    {
        var html = _html;
        var tagStart = _pos;
        var i = _pos + (endTag ? 2 : 1);
        var nameStart = i;
        while (i < html.Length && !IsSpace(html[i]) && html[i] is not ('/' or '>'))
        {
            i++;
        }

        var name = Name(html.AsSpan(nameStart, i - nameStart), out var kind);
        _attributes.Clear();
        var selfClosing = false;
        while (true)
        {
            while (i < html.Length && IsSpace(html[i]))
            {
                i++;
            }

            if (i >= html.Length || html[i] == '=')
            {
                return false;
            }

            if (html[i] == '>')
            {
                i++;
                break;
            }

            if (html[i] == '/')
            {
                i++;
                if (i < html.Length && html[i] == '>')
                {
                    selfClosing = true;
                    i++;
                    break;
                }

                continue;
            }

            var attributeStart = i;
            while (i < html.Length && !IsSpace(html[i]) && html[i] is not ('/' or '>' or '='))
            {
                i++;
            }

            var attributeName = Name(html.AsSpan(attributeStart, i - attributeStart), out _);
            var j = i;
            while (j < html.Length && IsSpace(html[j]))
            {
                j++;
            }

            int valueStart = i, valueEnd = i;
            if (j < html.Length && html[j] == '=')
            {
                j++;
                while (j < html.Length && IsSpace(html[j]))
                {
                    j++;
                }

                if (j >= html.Length || html[j] == '>')
                {
                    return false;
                }

                if (html[j] is '"' or '\'')
                {
                    var close = html.IndexOf(html[j], j + 1);
                    if (close < 0)
                    {
                        return false;
                    }

                    (valueStart, valueEnd, i) = (j + 1, close, close + 1);
                    _record?.QuotedValue(valueStart, valueEnd);
                }
                else
                {
                    valueStart = j;
                    while (j < html.Length && !IsSpace(html[j]) && html[j] != '>')
                    {
                        j++;
                    }

                    (valueEnd, i) = (j, j);
                }
            }

            _attributes.Add(new Attribute(attributeName, attributeStart, i, valueStart, valueEnd));
        }

        _pos = i;
        _sawTag = true;
        return endTag ? EndTag(name, kind, tagStart) : StartTag(name, kind, selfClosing);
    }

    private bool StartTag(string name, NameKind kind, bool selfClosing)
    {
        if ((kind & NameKind.Unsupported) != 0 || (selfClosing && (kind & NameKind.Void) == 0))
        {
            return false;
        }

        switch (_phase)
        {
            case Phase.Initial or Phase.BeforeBody:
                if (name == "html")
                {
                    if (_phase != Phase.Initial || _sawHead)
                    {
                        return false;
                    }

                    _phase = Phase.BeforeBody;
                    return Attributes();
                }

                if (name == "head")
                {
                    if (_sawHead)
                    {
                        return false;
                    }

                    _sawHead = true;
                    _phase = Phase.BeforeBody;
                    return Attributes();
                }

                if (name == "body")
                {
                    _phase = Phase.InBody;
                    return Attributes();
                }

                if ((kind & NameKind.HeadContent) != 0)
                {
                    _phase = Phase.BeforeBody;
                    return Attributes() && Open(name, kind, text: false);
                }

                _phase = Phase.InBody;
                break;
            case Phase.AfterBody or Phase.AfterHtml:
                return false;
            default:
                break;
        }

        if (name is "html" or "head" or "body" || !Allowed(name, kind))
        {
            return false;
        }

        if (name == "tr" && _stack[^1].Name == "table")
        {
            _stack.Add(new Frame("tbody", NameKind.Special, Implied: true));
        }

        return Attributes() && Open(name, kind, text: true) && TrackLink(name);
    }

    /// <summary>Whether <paramref name="name"/> may start here without the parser closing, moving or dropping anything.</summary>
    private bool Allowed(string name, NameKind kind)
    {
        var top = _stack.Count > 0 ? _stack[^1].Name : null;
        switch (top)
        {
            case "table":
                return name is "caption" or "colgroup" or "thead" or "tbody" or "tfoot" or "tr" or "script" or "style";
            case "tbody" or "thead" or "tfoot":
                return name is "tr" or "script" or "style";
            case "tr":
                return name is "td" or "th" or "script" or "style";
            case "colgroup":
                return name == "col";
            default:
                break;
        }

        if (name is "caption" or "colgroup" or "col" or "thead" or "tbody" or "tfoot" or "tr" or "td" or "th")
        {
            return false;
        }

        if (((kind & NameKind.ClosesParagraph) != 0 && InButtonScope("p"))
            || (name is "h1" or "h2" or "h3" or "h4" or "h5" or "h6" && top is "h1" or "h2" or "h3" or "h4" or "h5" or "h6"))
        {
            return false;
        }

        return name switch
        {
            "li" => !ListItemOpen("li", null),
            "dd" or "dt" => !ListItemOpen("dd", "dt"),
            "a" or "form" or "button" or "nobr" => !IsOpen(name),
            _ => true,
        };
    }

    private bool Open(string name, NameKind kind, bool text)
    {
        if ((kind & NameKind.Void) != 0)
        {
            if (text && Writes && _skipFrom < 0)
            {
                if (_record is not null)
                {
                    _record.Start(name, name == "img" ? ValueRange("alt") : ValueSpan.None, 0);
                }
                else
                {
                    _text!.Start(name, name == "img" ? Value("alt") : null, 0);
                }
            }

            return !_unreadable;
        }

        var ordered = 0;
        if (name == "li" && _stack.Count > 0)
        {
            var parent = _stack[^1];
            _stack[^1] = parent with { ListItems = parent.ListItems + 1 };
            ordered = parent.Name == "ol" ? parent.ListItems + 1 : 0;
        }

        var href = name == "a" ? Value("href") : null;
        if (_unreadable)
        {
            // A character reference in the value that only the parser resolves.
            return false;
        }

        _stack.Add(new Frame(name, kind, Href: href, HrefRange: href is null || _record is null ? ValueSpan.None : ValueRange("href")));
        if (_skipFrom < 0 && (!text || HtmlTextWriter.IsSkipped(name)))
        {
            _skipFrom = _stack.Count - 1;
        }

        if (_skipFrom < 0)
        {
            _text?.Start(name, null, ordered);
            if (_record is { WithText: true })
            {
                _record.Start(name, ValueSpan.None, ordered);
            }
        }

        if (name == "pre")
        {
            _preDepth++;
        }

        _dropNewline = name == "pre";
        return name is not ("script" or "style" or "title") || RawText(name);
    }

    /// <summary>Skips the content of a raw-text element up to its end tag (which is then read as a tag).</summary>
    private bool RawText(string name)
    {
        var html = _html;
        for (var at = _pos; (at = html.IndexOf("</", at, StringComparison.Ordinal)) >= 0; at += 2)
        {
            var after = at + 2 + name.Length;
            if (after < html.Length && string.Compare(html, at + 2, name, 0, name.Length, StringComparison.OrdinalIgnoreCase) == 0
                && (IsSpace(html[after]) || html[after] is '/' or '>'))
            {
                _pos = at;
                return true;
            }
        }

        return false;
    }

    private bool EndTag(string name, NameKind kind, int tagStart)
    {
        switch (_phase)
        {
            case Phase.Initial or Phase.BeforeBody:
                if (name == "head" && _sawHead && _stack.Count == 0)
                {
                    return true;
                }

                return _stack.Count > 0 && _stack[^1].Name == name && Close();
            case Phase.AfterBody:
                if (name == "html")
                {
                    _phase = Phase.AfterHtml;
                    return true;
                }

                return false;
            case Phase.AfterHtml:
                return false;
            default:
                break;
        }

        if (name is "body" or "html")
        {
            if (_stack.Count > 0)
            {
                return false;
            }

            _links?.Pixel(tagStart);
            _record?.Pixel(tagStart);
            _phase = name == "body" ? Phase.AfterBody : Phase.AfterHtml;
            return true;
        }

        if (_stack.Count == 0 || (kind & NameKind.Void) != 0)
        {
            return false;
        }

        if (_stack[^1].Name == name)
        {
            return Close();
        }

        return name == "table" && _stack[^1] is { Name: "tbody", Implied: true } && _stack.Count > 1 && _stack[^2].Name == "table" && Close() && Close();
    }

    private bool Close()
    {
        var index = _stack.Count - 1;
        var frame = _stack[index];
        _stack.RemoveAt(index);
        if (_skipFrom == index)
        {
            _skipFrom = -1;
        }
        else if (_skipFrom < 0)
        {
            _text?.End(frame.Name, frame.Href);
            if (_record is { WithText: true })
            {
                _record.End(frame.Name, frame.Href is null ? ValueSpan.None : frame.HrefRange);
            }
        }

        if (frame.Name == "pre")
        {
            _preDepth--;
        }

        return true;
    }

    private bool Finish()
    {
        if (_phase is Phase.Initial or Phase.BeforeBody)
        {
            return false;
        }

        if (_phase == Phase.InBody)
        {
            if ((_links is { WantsPixel: true } || _record is { WantsPixel: true }) && _stack.Count > 0)
            {
                // The pixel would land inside the open elements, not at the end of the body.
                return false;
            }

            _links?.Pixel(_html.Length);
            _record?.Pixel(_html.Length);
        }

        while (_stack.Count > 0)
        {
            Close();
        }

        return true;
    }

    /// <summary>Passes the tag's opt-out markers to the link sink (they are removed from the output).</summary>
    private bool Attributes()
    {
        foreach (var attribute in _attributes)
        {
            if (attribute.Name == LinkRewriter.OptOutAttribute)
            {
                _links?.Remove(attribute.Start, attribute.End);
                _record?.Remove(attribute.Start, attribute.End);
            }
        }

        return true;
    }

    /// <summary>Tracks an <c>a</c> or <c>area</c> href.</summary>
    private bool TrackLink(string name)
    {
        if ((_links is null && _record is null) || name is not ("a" or "area"))
        {
            return true;
        }

        var first = -1;
        var optOut = false;
        for (var i = 0; i < _attributes.Count; i++)
        {
            var attribute = _attributes[i];
            if (attribute.Name == "href" && first < 0)
            {
                first = i;
            }

            optOut |= attribute.Name == LinkRewriter.OptOutAttribute;
        }

        if (first < 0)
        {
            return true;
        }

        // Open already decoded an a element's first href for the text part (and refused an undecodable one).
        var href = name == "a" ? _stack[^1].Href : AttributeValue(_attributes[first]);
        if (href is null)
        {
            return false;
        }

        var link = _attributes[first];
        if (_record is not null)
        {
            _record.Link(new ValueSpan(link.ValueStart, link.ValueEnd), link.Start, link.End, optOut);
            return true;
        }

        _links!.Link(href.Trim(), link.Start, link.End, optOut);
        return true;
    }

    private string? Value(string attributeName)
    {
        foreach (var attribute in _attributes)
        {
            if (attribute.Name == attributeName)
            {
                var value = AttributeValue(attribute);
                _unreadable |= value is null;
                return value ?? string.Empty;
            }
        }

        return null;
    }

    /// <summary>Where the first <paramref name="attributeName"/> attribute's value lies (recorded plans decode it again).</summary>
    private ValueSpan ValueRange(string attributeName)
    {
        foreach (var attribute in _attributes)
        {
            if (attribute.Name == attributeName)
            {
                return new ValueSpan(attribute.ValueStart, attribute.ValueEnd);
            }
        }

        return ValueSpan.None;
    }

    private string? AttributeValue(Attribute attribute) =>
        Decode(_html.AsSpan(attribute.ValueStart, attribute.ValueEnd - attribute.ValueStart));

    private bool InButtonScope(string target)
    {
        for (var i = _stack.Count - 1; i >= 0; i--)
        {
            var name = _stack[i].Name;
            if (name == target)
            {
                return true;
            }

            if (name is "applet" or "caption" or "html" or "table" or "td" or "th" or "marquee" or "object" or "template" or "button")
            {
                return false;
            }
        }

        return false;
    }

    private bool ListItemOpen(string name, string? other)
    {
        for (var i = _stack.Count - 1; i >= 0; i--)
        {
            var open = _stack[i].Name;
            if (open == name || open == other)
            {
                return true;
            }

            if ((_stack[i].Kind & NameKind.Special) != 0 && open is not ("address" or "div" or "p"))
            {
                return false;
            }
        }

        return false;
    }

    private bool IsOpen(string name)
    {
        foreach (var frame in _stack)
        {
            if (frame.Name == name)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\f';

    private readonly record struct Frame(string Name, NameKind Kind, bool Implied = false, int ListItems = 0, string? Href = null, ValueSpan HrefRange = default);

    private readonly record struct Attribute(string Name, int Start, int End, int ValueStart, int ValueEnd);
}

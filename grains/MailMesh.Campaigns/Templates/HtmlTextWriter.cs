using System.Buffers;
using System.Collections.Frozen;
using System.Text;

namespace MailMesh.Campaigns.Templates;

/// <summary>Writes the text of an HTML part from element and text events in document order (fed by a walk of an
/// AngleSharp document or by <see cref="HtmlScanner"/>): block elements become paragraphs, list items "- " or "n. "
/// lines, links "text (url)", images their alt text; whitespace collapses as a browser shows it (except in
/// <c>pre</c>). Lines end with LF.</summary>
internal sealed class HtmlTextWriter
{
    // Frozen: looked up for every element of every message, where a hash set's case-insensitive hashing was a visible share.
    private static readonly FrozenSet<string> Skipped =
        new[] { "head", "script", "style", "template", "noscript", "title" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> Blocks = new[]
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tr", "blockquote", "section", "article", "header", "footer",
        "main", "nav", "aside", "form", "pre", "address", "center", "dl", "dt", "dd", "figure", "figcaption", "hr", "li",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly SearchValues<char> Whitespace = SearchValues.Create(" \t\r\n\f\u00a0");

    // One text buffer per thread, reused by the next writer once the text is taken out of it (Finish).
    [ThreadStatic]
    private static StringBuilder? t_text;
    private const int MaxRetainedCapacity = 64 * 1024;

    private readonly StringBuilder _text;
    private readonly List<int> _links = [];
    private int _pendingBreaks;
    private bool _pendingSpace;

    /// <summary>A writer with an empty text.</summary>
    public HtmlTextWriter()
    {
        _text = t_text ?? new StringBuilder(1024);
        t_text = null;
    }

    /// <summary>Whether the element and everything in it is left out of the text.</summary>
    public static bool IsSkipped(string name) => Skipped.Contains(name);

    /// <summary>Whether the element's content is not walked (it has none, or it is written by <see cref="Start"/>).</summary>
    public static bool IsEmpty(string name) => name is "br" or "hr" or "img";

    /// <summary>An element starts (not called for skipped elements or their content).</summary>
    /// <param name="name">The lower-case local name.</param>
    /// <param name="alt">For <c>img</c>: its alt attribute, else null.</param>
    /// <param name="orderedIndex">For an <c>li</c> whose parent is an <c>ol</c>: its 1-based position among the li
    /// children, else 0.</param>
    public void Start(string name, string? alt, int orderedIndex)
    {
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
                if (alt is { Length: > 0 })
                {
                    Text(alt, false);
                }

                return;
            case "td" or "th":
                _pendingSpace = true;
                return;
            case "a":
                _links.Add(_text.Length);
                return;
            default:
                break;
        }

        if (Blocks.Contains(name))
        {
            Break(IsParagraph(name) ? 2 : 1);
        }

        if (name == "li")
        {
            Word(orderedIndex > 0 ? $"{orderedIndex}. " : "- ");
        }
    }

    /// <summary>An element ends (not for <see cref="IsEmpty"/> elements).</summary>
    public void End(string name, string? href)
    {
        switch (name)
        {
            case "td" or "th":
                _pendingSpace = true;
                return;
            case "a":
                Link(href);
                return;
            default:
                break;
        }

        if (Blocks.Contains(name))
        {
            Break(IsParagraph(name) ? 2 : 1);
        }
    }

    /// <summary>Character data (entities decoded).</summary>
    public void Text(ReadOnlySpan<char> data, bool preformatted)
    {
        if (preformatted)
        {
            var lines = data.ToString().Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
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

        // The words between whitespace characters, each run of whitespace one pending space (no string per word).
        var rest = data;
        var first = true;
        while (true)
        {
            var cut = rest.IndexOfAny(Whitespace);
            var word = cut < 0 ? rest : rest[..cut];
            _pendingSpace |= !first;
            if (!word.IsEmpty)
            {
                Flush();
                _text.Append(word);
            }

            if (cut < 0)
            {
                return;
            }

            rest = rest[(cut + 1)..];
            first = false;
        }
    }

    /// <summary>The text: each line without trailing whitespace, no empty lines at the start or the end, ending with LF.
    /// The writer is done then: its buffer goes to the next writer on this thread.</summary>
    public string Finish()
    {
        var text = Trimmed();
        if (_text.Capacity <= MaxRetainedCapacity)
        {
            _text.Clear();
            t_text = _text;
        }

        return text;
    }

    private string Trimmed()
    {
        var length = _text.Length;
        var buffer = ArrayPool<char>.Shared.Rent(Math.Max(length, 1));
        try
        {
            _text.CopyTo(0, buffer, length);
            // Lines are trimmed in place: what is kept never runs ahead of what is read.
            var written = 0;
            var start = 0;
            while (true)
            {
                var lf = buffer.AsSpan(start, length - start).IndexOf('\n');
                var line = buffer.AsSpan(start, lf < 0 ? length - start : lf).TrimEnd();
                line.CopyTo(buffer.AsSpan(written));
                written += line.Length;
                if (lf < 0)
                {
                    break;
                }

                buffer[written++] = '\n';
                start += lf + 1;
            }

            return string.Concat(buffer.AsSpan(0, written).Trim('\n'), "\n");
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static bool IsParagraph(string name) => name is not ("li" or "tr" or "dt" or "dd");

    private void Link(string? rawHref)
    {
        var before = _links[^1];
        _links.RemoveAt(_links.Count - 1);
        var href = rawHref?.Trim();
        if (string.IsNullOrEmpty(href) || href.StartsWith('#') || href.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        // The link's text is compared where it lies (copied out of the builder, not made a string).
        var length = _text.Length - before;
        var rented = length > 256 ? ArrayPool<char>.Shared.Rent(length) : null;
        Span<char> copy = rented is null ? stackalloc char[256] : rented;
        _text.CopyTo(before, copy, length);
        var shown = copy[..length].Trim();
        var target = href.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) ? href.AsSpan(7) : href;
        var differs = !shown.Equals(target, StringComparison.OrdinalIgnoreCase) && !shown.Equals(href, StringComparison.OrdinalIgnoreCase);
        var empty = shown.IsEmpty;
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }

        if (!differs)
        {
            return;
        }

        if (empty)
        {
            Word(href);
            return;
        }

        _pendingSpace = true;
        Flush();
        _text.Append('(').Append(href).Append(')');
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
}

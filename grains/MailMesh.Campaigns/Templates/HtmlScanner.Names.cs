using System.Globalization;
using System.Text;
using AngleSharp.Html;

namespace MailMesh.Campaigns.Templates;

/// <summary>Element sets and character references of <see cref="HtmlScanner"/>.</summary>
internal sealed partial class HtmlScanner
{
    /// <summary>Elements the parser treats specially (other namespaces, forms controls with their own insertion modes,
    /// frames, elements it renames or whose content it reads differently): their presence sends the HTML to the parser.</summary>
    private static readonly HashSet<string> Unsupported = new(StringComparer.Ordinal)
    {
        "select", "option", "optgroup", "datalist", "svg", "math", "template", "frameset", "frame", "noscript", "plaintext", "image", "isindex",
        "textarea", "xmp", "iframe", "noembed", "noframes", "listing", "rb", "rp", "rt", "rtc", "menuitem", "search", "dialog",
    };

    /// <summary>Elements that close an open <c>p</c> (in button scope) when they start.</summary>
    private static readonly HashSet<string> ClosesParagraph = new(StringComparer.Ordinal)
    {
        "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div", "dl", "fieldset", "figcaption", "figure", "footer",
        "header", "hgroup", "main", "menu", "nav", "ol", "p", "search", "section", "summary", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
        "listing", "form", "plaintext", "xmp", "hr", "table",
    };

    /// <summary>The parser's "special" category (it limits the search for an open list item).</summary>
    private static readonly HashSet<string> Special = new(StringComparer.Ordinal)
    {
        "address", "applet", "area", "article", "aside", "base", "basefont", "bgsound", "blockquote", "body", "br", "button", "caption", "center",
        "col", "colgroup", "dd", "details", "dir", "div", "dl", "dt", "embed", "fieldset", "figcaption", "figure", "footer", "form", "frame",
        "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "iframe", "img", "input", "keygen", "li", "link",
        "listing", "main", "marquee", "menu", "meta", "nav", "noembed", "noframes", "noscript", "object", "ol", "p", "param", "plaintext", "pre",
        "script", "search", "section", "select", "source", "style", "summary", "table", "tbody", "td", "template", "textarea", "tfoot", "th",
        "thead", "title", "tr", "track", "ul", "wbr", "xmp",
    };

    /// <summary>Elements that belong in the head before the body starts.</summary>
    private static readonly HashSet<string> HeadContent = new(StringComparer.Ordinal) { "meta", "link", "base", "basefont", "bgsound", "title", "style", "script" };

    private static readonly HashSet<string> Void = new(StringComparer.Ordinal)
    {
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
    };

    /// <summary>Lower-case names seen often, shared instead of allocated per tag.</summary>
    private static readonly HashSet<string> Common = new(StringComparer.Ordinal)
    {
        "a", "b", "i", "u", "p", "br", "hr", "img", "div", "span", "table", "tbody", "thead", "tfoot", "tr", "td", "th", "ul", "ol", "li", "h1", "h2",
        "h3", "h4", "h5", "h6", "html", "head", "body", "meta", "link", "title", "style", "script", "strong", "em", "font", "center", "small",
        "href", "src", "alt", "style", "class", "id", "width", "height", "align", "valign", "border", "cellpadding", "cellspacing", "bgcolor",
        "color", "target", "rel", "title", "lang", "dir", "role", "name", "content", "charset", "type", "http-equiv", "data-mm-notrack", "pre",
    };

    /// <summary>Every name of the sets above with the sets it is in, so that one lookup per tag gives both the shared
    /// name and what the scanner needs to know about it.</summary>
    private static readonly Dictionary<string, NameKind> Known = KnownNames();

    private static readonly Dictionary<string, NameKind>.AlternateLookup<ReadOnlySpan<char>> KnownLookup = Known.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The sets a name is in.</summary>
    [Flags]
    private enum NameKind
    {
        None = 0,
        Unsupported = 1,
        ClosesParagraph = 2,
        Special = 4,
        HeadContent = 8,
        Void = 16,
    }

    /// <summary>The lower-case form of a tag or attribute name, and the sets it is in.</summary>
    private static string Name(ReadOnlySpan<char> raw, out NameKind kind)
    {
        string? known;
        if (raw.IndexOfAnyInRange('A', 'Z') < 0)
        {
            if (KnownLookup.TryGetValue(raw, out known, out kind))
            {
                return known;
            }

            return raw.ToString();
        }

        Span<char> lower = raw.Length <= 64 ? stackalloc char[raw.Length] : new char[raw.Length];
        raw.ToLowerInvariant(lower);
        if (KnownLookup.TryGetValue(lower, out known, out kind))
        {
            return known;
        }

        return lower.ToString();
    }

    private static Dictionary<string, NameKind> KnownNames()
    {
        var known = new Dictionary<string, NameKind>(StringComparer.Ordinal);
        foreach (var (set, kind) in new[]
        {
            (Common, NameKind.None), (Unsupported, NameKind.Unsupported), (ClosesParagraph, NameKind.ClosesParagraph), (Special, NameKind.Special),
            (HeadContent, NameKind.HeadContent), (Void, NameKind.Void),
        })
        {
            foreach (var name in set)
            {
                known[name] = known.GetValueOrDefault(name) | kind;
            }
        }

        return known;
    }

    /// <summary>Text or an attribute value with its character references resolved, or null for a reference the scanner
    /// leaves to the parser (a named one without ';', an unknown name, a number the parser replaces).</summary>
    private static string? Decode(ReadOnlySpan<char> raw)
    {
        var amp = raw.IndexOf('&');
        if (amp < 0)
        {
            return raw.ToString();
        }

        var sb = new StringBuilder(raw.Length);
        var i = 0;
        while (true)
        {
            amp = raw[i..].IndexOf('&');
            if (amp < 0)
            {
                sb.Append(raw[i..]);
                return sb.ToString();
            }

            sb.Append(raw.Slice(i, amp));
            i += amp;
            var rest = raw[(i + 1)..];
            if (rest.IsEmpty || !(char.IsAsciiLetterOrDigit(rest[0]) || rest[0] == '#'))
            {
                sb.Append('&');
                i++;
                continue;
            }

            if (rest[0] == '#')
            {
                var hex = rest.Length > 1 && rest[1] is 'x' or 'X';
                var digits = hex ? 2 : 1;
                var k = digits;
                while (k < rest.Length && k - digits < 7 && (hex ? char.IsAsciiHexDigit(rest[k]) : char.IsAsciiDigit(rest[k])))
                {
                    k++;
                }

                if (k == digits || k >= rest.Length || rest[k] != ';'
                    || !int.TryParse(rest[digits..k], hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var code)
                    || code is 0 or > 0x10FFFF or (>= 0xD800 and <= 0xDFFF) or (>= 0x7F and <= 0x9F) || (code < 0x20 && code is not (9 or 10 or 12)))
                {
                    return null;
                }

                sb.Append(char.ConvertFromUtf32(code));
                i += k + 2;
                continue;
            }

            var n = 0;
            while (n < rest.Length && char.IsAsciiLetterOrDigit(rest[n]))
            {
                n++;
            }

            if (n < rest.Length && rest[n] == ';')
            {
                if (HtmlEntityProvider.Resolver.GetSymbol(string.Concat(rest[..n], ";")) is not { } symbol)
                {
                    return null;
                }

                sb.Append(symbol);
                i += n + 2;
                continue;
            }

            // No ';': a literal '&' unless a legacy reference (one the parser reads without ';') starts here.
            for (var length = 2; length <= Math.Min(n, 8); length++)
            {
                if (HtmlEntityProvider.Resolver.GetSymbol(rest[..length].ToString()) is not null)
                {
                    return null;
                }
            }

            sb.Append('&');
            i++;
        }
    }
}

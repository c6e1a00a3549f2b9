using System.Text;
using System.Buffers;
using AngleSharp;
using AngleSharp.Html.Parser;

namespace MailMesh.Campaigns.Links;

/// <summary>The HTML part after link rewriting.</summary>
/// <param name="Html">The rewritten HTML.</param>
/// <param name="Links">Each tracked target with its link index (the first link of a target gives its index).</param>
/// <param name="OptedOut">Targets of links marked <c>data-mm-notrack</c> (left alone in the text part too).</param>
/// <param name="Text">The text of the HTML before rewriting, when asked for (one parse instead of two), else null.</param>
public sealed record TrackedHtml(string Html, IReadOnlyDictionary<string, int> Links, IReadOnlySet<string> OptedOut, string? Text = null);

/// <summary>Rewrites links for click tracking. In HTML (parsed with AngleSharp, so malformed markup is read as a browser
/// reads it): every <c>a</c>/<c>area</c> whose <c>href</c> is an absolute http(s) URL is replaced by its click URL,
/// numbered in document order; <c>mailto:</c>, <c>tel:</c>, <c>#anchors</c>, relative and other schemes, links already
/// under the tracking base (unsubscribe, forms) and links carrying <c>data-mm-notrack</c> stay as they are (the
/// attribute itself is removed from the output). The open pixel goes at the end of the body. In text, every http(s)
/// URL is replaced the same way, reusing the HTML link's index for the same target.</summary>
public static class LinkRewriter
{
    /// <summary>The attribute that keeps a link untracked.</summary>
    public const string OptOutAttribute = "data-mm-notrack";

    /// <summary>Longest target that is tracked (a token holds at most 2,048 bytes of URL); longer links stay as they are.</summary>
    public const int MaxTargetBytes = 2048;

    private static readonly HtmlParser Parser = new();

    /// <summary>Rewrites the links of <paramref name="html"/>.</summary>
    /// <param name="html">The rendered HTML part.</param>
    /// <param name="clickUrl">The click URL for (link index, target).</param>
    /// <param name="pixelUrl">The open pixel's URL, or null for none.</param>
    /// <param name="trackingBase">The tracking base URL; links under it are not rewritten.</param>
    /// <param name="withText">Also give the text of the HTML as it was (see <see cref="Templates.HtmlText"/>).</param>
    /// <remarks>Well-formed HTML is edited in place in one pass (<see cref="Templates.HtmlScanner"/>); other HTML is parsed
    /// with AngleSharp and serialized again. Both give the same links, indexes, pixel and text.</remarks>
    public static TrackedHtml RewriteHtml(string html, Func<int, string, string> clickUrl, string? pixelUrl, string trackingBase, bool withText = false)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(clickUrl);
        return Templates.HtmlScanner.TryRewrite(html, clickUrl, pixelUrl, trackingBase, withText)
            ?? RewriteParsedHtml(html, clickUrl, pixelUrl, trackingBase, withText);
    }

    /// <summary>Rewrites as <see cref="RewriteHtml(string, Func{int, string, string}, string?, string, bool)"/> does, with
    /// the pass planned once per shape of the template where the places of the values allow it.</summary>
    internal static TrackedHtml RewriteMarkedHtml(
        Templates.MarkedHtml marked, Templates.HtmlScanner.HtmlPlans plans, Func<int, string, string> clickUrl, string? pixelUrl, string trackingBase, bool withText)
    {
        ArgumentNullException.ThrowIfNull(marked);
        ArgumentNullException.ThrowIfNull(clickUrl);
        return Templates.HtmlScanner.TryRewrite(marked, plans, clickUrl, pixelUrl, trackingBase, withText)
            ?? RewriteParsedHtml(marked.Html, clickUrl, pixelUrl, trackingBase, withText);
    }

    /// <summary>Rewrites through a full AngleSharp parse (any HTML).</summary>
    internal static TrackedHtml RewriteParsedHtml(string html, Func<int, string, string> clickUrl, string? pixelUrl, string trackingBase, bool withText)
    {
        using var document = Parser.ParseDocument(html);
        var text = withText ? Templates.HtmlText.FromDocument(document) : null;
        var links = new Dictionary<string, int>(StringComparer.Ordinal);
        var optedOut = new HashSet<string>(StringComparer.Ordinal);
        foreach (var element in document.QuerySelectorAll("a[href], area[href]"))
        {
            var href = element.GetAttribute("href")!.Trim();
            if (element.HasAttribute(OptOutAttribute))
            {
                element.RemoveAttribute(OptOutAttribute);
                optedOut.Add(href);
                continue;
            }

            if (!IsTrackable(href, trackingBase))
            {
                continue;
            }

            if (!links.TryGetValue(href, out var index))
            {
                index = links.Count;
                links[href] = index;
            }

            element.SetAttribute("href", clickUrl(index, href));
        }

        // Opt-out markers on elements other than links are removed too, so the attribute never reaches a reader.
        foreach (var element in document.QuerySelectorAll("[" + OptOutAttribute + "]"))
        {
            element.RemoveAttribute(OptOutAttribute);
        }

        if (pixelUrl is not null && document.Body is { } body)
        {
            var pixel = document.CreateElement("img");
            pixel.SetAttribute("src", pixelUrl);
            pixel.SetAttribute("width", "1");
            pixel.SetAttribute("height", "1");
            pixel.SetAttribute("alt", string.Empty);
            pixel.SetAttribute("style", "display:block;border:0;width:1px;height:1px");
            body.AppendChild(pixel);
        }

        return new TrackedHtml(document.ToHtml(), links, optedOut, text);
    }

    /// <summary>Rewrites the http(s) URLs of a text part; a target already in <paramref name="links"/> (the tracked
    /// targets of the HTML part, <see cref="TrackedHtml.Links"/>) keeps its index, other trackable ones get the next ones
    /// (and are added).</summary>
    public static string RewriteText(string text, Func<int, string, string> clickUrl, string trackingBase, IDictionary<string, int> links, IReadOnlySet<string> optedOut)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new StringBuilder(text.Length + 1024);
        return RewriteText(text, clickUrl, trackingBase, links, optedOut, output) ? output.ToString() : text;
    }

    /// <summary>Appends <paramref name="text"/> to <paramref name="output"/> with its URLs rewritten as
    /// <see cref="RewriteText(string, Func{int, string, string}, string, IDictionary{string, int}, IReadOnlySet{string})"/>
    /// does; false when it holds none to rewrite.</summary>
    internal static bool RewriteText(
        string text, Func<int, string, string> clickUrl, string trackingBase, IDictionary<string, int> links, IReadOnlySet<string> optedOut, StringBuilder output)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(optedOut);
        var copied = 0;
        for (var at = 0; NextUrl(text, at) is var (start, length) && length > 0; at = start + length)
        {
            var found = text.AsSpan(start, length);
            var url = found.TrimEnd(".,;:!?)]'\"").ToString();
            if (optedOut.Contains(url))
            {
                continue;
            }

            // A target the HTML part tracked passed IsTrackable there.
            if (!links.TryGetValue(url, out var index))
            {
                if (!IsTrackable(url, trackingBase))
                {
                    continue;
                }

                index = links.Count;
                links[url] = index;
            }

            output.Append(text, copied, start - copied).Append(clickUrl(index, url));
            copied = start + url.Length;
        }

        output.Append(text, copied, text.Length - copied);
        return copied > 0;
    }

    /// <summary>The next http(s) URL in <paramref name="text"/> at or after <paramref name="from"/>, as the pattern
    /// <c>https?://[^\s&lt;&gt;"]+</c> (case-insensitive) finds it: the scheme and everything up to whitespace, '&lt;',
    /// '&gt;' or '"'. Length 0 when there is none.</summary>
    internal static (int Start, int Length) NextUrl(string text, int from)
    {
        // Every URL has "://" four or five characters in, rarer in text than the letter h: find it, then look back for the
        // scheme (only one of the two can end just before it).
        for (var at = from + 4; at < text.Length;)
        {
            var found = text.AsSpan(at).IndexOf("://", StringComparison.Ordinal);
            if (found < 0)
            {
                break;
            }

            var colon = at + found;
            var start = colon - 5 >= from && text.AsSpan(colon - 5, 5).Equals("https", StringComparison.OrdinalIgnoreCase) ? colon - 5
                : text.AsSpan(colon - 4, 4).Equals("http", StringComparison.OrdinalIgnoreCase) ? colon - 4
                : -1;
            if (start >= 0)
            {
                var tail = text.AsSpan(colon + 3);
                var end = tail.IndexOfAny(UrlEnd);
                var length = end < 0 ? tail.Length : end;
                if (length > 0)
                {
                    return (start, colon + 3 - start + length);
                }
            }

            at = colon + 1;
        }

        return (text.Length, 0);
    }

    /// <summary>Whether <paramref name="href"/> is an absolute http(s) URL outside the tracking base that fits a token.</summary>
    public static bool IsTrackable(string href, string trackingBase) =>
        (href.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || href.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        && !UnderBase(href, trackingBase)
        && Encoding.UTF8.GetByteCount(href) <= MaxTargetBytes
        && Uri.TryCreate(href, UriKind.Absolute, out _); // the costly check last: the message's own links fail before it

    private static bool UnderBase(string href, string trackingBase)
    {
        var root = trackingBase.AsSpan().TrimEnd('/');
        return href.Length > root.Length && href[root.Length] == '/' && href.AsSpan(0, root.Length).Equals(root, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>What ends a URL in text: the regular-expression class <c>\s</c> (char.IsWhiteSpace: U+0009-U+000D, U+0085
    /// and the Unicode separators), '&lt;', '&gt;' and '"'.</summary>
    private static readonly SearchValues<char> UrlEnd = SearchValues.Create(
        [.. Enumerable.Range(0, char.MaxValue + 1).Select(c => (char)c).Where(c => char.IsWhiteSpace(c) || c is '<' or '>' or '"')]);
}

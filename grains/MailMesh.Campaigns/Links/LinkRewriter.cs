using System.Text;
using System.Text.RegularExpressions;
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
public static partial class LinkRewriter
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
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(optedOut);
        return UrlPattern().Replace(text, match =>
        {
            var url = match.Value.TrimEnd('.', ',', ';', ':', '!', '?', ')', ']', '\'', '"');
            var trailing = match.Value[url.Length..];
            if (optedOut.Contains(url))
            {
                return match.Value;
            }

            // A target the HTML part tracked passed IsTrackable there.
            if (!links.TryGetValue(url, out var index))
            {
                if (!IsTrackable(url, trackingBase))
                {
                    return match.Value;
                }

                index = links.Count;
                links[url] = index;
            }

            return clickUrl(index, url) + trailing;
        });
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

    [GeneratedRegex(@"https?://[^\s<>""]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern();
}

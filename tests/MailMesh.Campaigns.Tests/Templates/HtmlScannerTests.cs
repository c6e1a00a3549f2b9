using AngleSharp.Html.Parser;
using MailMesh.Campaigns.Links;
using MailMesh.Campaigns.Templates;

namespace MailMesh.Campaigns.Tests.Templates;

/// <summary>The one-pass reader against the AngleSharp parse it stands in for: the same text, links, indexes, opt-outs,
/// pixel and document, or a refusal that sends the HTML to the parser.</summary>
public sealed class HtmlScannerTests
{
    private const string Base = "https://t.example.com";
    private const string Pixel = "https://t.example.com/o/pixel.gif";

    public static TheoryData<string> WellFormed => new()
    {
        "<p>Hello <b>Jane</b>,\n welcome!</p>",
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>T</title><style>p{color:red}</style></head><body><p>Hi</p>"
            + "<ol><li>one</li><li>two</li></ol><ul><li>a<ul><li>nested</li></ul></li></ul></body></html>",
        "<table width=\"100%\"><tr><td><table><tbody><tr><td>Cell <a href=\"https://shop.example.com/a?x=1&amp;y=2\">A</a></td><th>H</th></tr>"
            + "</tbody></table></td></tr></table>",
        "<p>Tom &amp; Jerry &lt;3 &eacute;t&eacute; &#233; &#xE9; caf&nbsp;bar AT&T a & b</p>",
        "<!--[if mso]><table><tr><td><![endif]--><p>x</p><!-- c -->",
        "<pre>\n  a  b\n c</pre><p>after</p>",
        "<p><a href=\"mailto:help@example.com\">help@example.com</a> <a href='https://x.example.com/p'>X</a> <a href=https://y.example.com/q>Y</a> "
            + "<a href=\"#top\">top</a> <a data-mm-notrack href=\"https://private.example.com/\">private</a> "
            + "<a href=\" https://t.example.com/u/abc \">unsubscribe</a> <a href=\"https://x.example.com/p\">X again</a></p>",
        "<div><img src=\"a.png\" alt=\"Logo &amp; co\"><br/>line<hr>after</div>",
        "<P><A HREF=\"https://shop.example.com/UP\">Up</A></P>",
        "<p>one\r\ntwo</p>\r\n<p>three</p>",
        "<body>\n<script>if (a < b) { document.write('<p>x</p>'); }</script>\n<table>\n <tr>\n  <td>a</td>\n </tr>\n</table>\n</body>",
        "<dl><dt>term</dt><dd>definition</dd></dl>",
        "<html><body>\n<p>Hello Jane,</p>\n<p>As a gold customer (C100001) you get these offers this week:</p>\n"
            + "<ul><li><a href=\"https://shop.example.com/p/kettle?c=C100001\">kettle</a></li><li><a href=\"https://shop.example.com/p/mug?c=C100001\">mug</a></li></ul>\n"
            + "<p>Free shipping on everything, as always.</p>\n<p><a href=\"https://shop.example.com/account\">Your account</a></p>\n</body></html>",
        "<html><body><p>x</p></body>\n</html>\n",
        "<map name=\"m\"><area href=\"https://shop.example.com/area\" alt=\"Area\"></map><a name=\"x\">anchor</a>",
        "<p>1 < 2 and 3 > 2</p>",
        "<div data-mm-notrack=\"\">kept <span data-mm-notrack>text</span></div>",
        "<a href=\"https://a.example.com/1\" href=\"https://a.example.com/2\">duplicate</a>",
        "<p>Ünïcödé — “quotes” &mdash; &#x1F600;</p><p>a&lt;b&gt;c</p>",
        "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>1</td></tr></tbody><tfoot><tr><td>f</td></tr></tfoot></table>",
        "<center><font face=\"Arial\"><h1>Title</h1><h2>Sub</h2></font></center><blockquote>q</blockquote>",
    };

    public static TheoryData<string> Rearranged => new()
    {
        "<p>Unclosed <div>x</div>",
        "<div><p>Unclosed <b>bold <i>both</div>",
        "<table><td>x</td></table>",
        "<table>text</table>",
        "<a href=\"https://a.example.com/\">a<a href=\"https://b.example.com/\">b</a></a>",
        "<select><option>a</select>",
        "<ul><li>a<li>b</ul>",
        "<p>a</p></div>",
        "<svg><a href=\"https://x.example.com/\">x</a></svg>",
        "<b><p>x</b></p>",
        "<p>x</p></br>",
        "<p>a</p></body><p>after the body</p>",
    };

    [Theory]
    [MemberData(nameof(WellFormed))]
    public void TryText_WellFormed_GivesTheParsersText(string html)
    {
        var text = HtmlScanner.TryText(html);

        Assert.NotNull(text);
        Assert.Equal(HtmlText.FromParsedHtml(html), text);
    }

    [Theory]
    [MemberData(nameof(Rearranged))]
    public void TryText_MarkupTheParserRearranges_IsLeftToTheParser(string html)
    {
        Assert.Null(HtmlScanner.TryText(html));
        Assert.Null(HtmlScanner.TryRewrite(html, Click, Pixel, Base, withText: true));
    }

    [Theory]
    [InlineData("<p>&copy 2026 &amp=1 &lang=en</p>")]
    [InlineData("<a href=\"https://shop.example.com/?a=1&copy=2&b=3\">x</a>")]
    [InlineData("<p>&unknownentity; &#128; &#0;</p>")]
    public void TryText_CharacterReferencesItDoesNotResolve_AreLeftToTheParser(string html)
    {
        Assert.Null(HtmlScanner.TryText(html));
        Assert.Equal(HtmlText.FromParsedHtml(html), HtmlText.FromHtml(html));
    }

    [Theory]
    [MemberData(nameof(WellFormed))]
    public void TryRewrite_WellFormed_GivesTheParsersLinksTextAndDocument(string html)
    {
        var fast = HtmlScanner.TryRewrite(html, Click, Pixel, Base, withText: true);
        var parsed = LinkRewriter.RewriteParsedHtml(html, Click, Pixel, Base, withText: true);

        Assert.NotNull(fast);
        Assert.Equal(parsed.Links.OrderBy(l => l.Value), fast.Links.OrderBy(l => l.Value));
        Assert.Equal(parsed.OptedOut.Order(StringComparer.Ordinal), fast.OptedOut.Order(StringComparer.Ordinal));
        Assert.Equal(parsed.Text, fast.Text);
        Assert.Equal(Shape(parsed.Html), Shape(fast.Html));
    }

    [Fact]
    public void TryRewrite_BodyEnd_PutsThePixelLastInTheBody()
    {
        var fast = HtmlScanner.TryRewrite("<html><body><p>x</p></body></html>", Click, Pixel, Base, withText: false)!;

        Assert.Equal("<html><body><p>x</p>" + PixelTag + "</body></html>", fast.Html);
    }

    [Fact]
    public void TryRewrite_Fragment_KeepsTheMarkupAndAppendsThePixel()
    {
        const string Html = "<p class=x>Hi <a href=\"https://shop.example.com/a\" class=\"btn\">shop</a> <a data-mm-notrack href=\"https://b.example.com/\">b</a></p>";

        var fast = HtmlScanner.TryRewrite(Html, Click, Pixel, Base, withText: false)!;

        Assert.Equal(
            "<p class=x>Hi <a href=\"https://t.example.com/c/0/https%3A%2F%2Fshop.example.com%2Fa\" class=\"btn\">shop</a> <a  href=\"https://b.example.com/\">b</a></p>"
            + PixelTag,
            fast.Html);
        Assert.Null(fast.Text);
    }

    [Fact]
    public void RewriteHtml_MalformedHtml_StillTracksThroughTheParser()
    {
        var tracked = LinkRewriter.RewriteHtml("<div><a href=\"https://shop.example.com/x\">unclosed <b>bold<p>para</table>", Click, Pixel, Base, withText: true);

        Assert.Equal(0, tracked.Links["https://shop.example.com/x"]);
        Assert.Contains("unclosed bold", tracked.Text, StringComparison.Ordinal);
    }

    private const string PixelTag = "<img src=\"" + Pixel + "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0;width:1px;height:1px\">";

    private static string Click(int index, string target) => $"{Base}/c/{index}/{Uri.EscapeDataString(target)}";

    /// <summary>What a reader sees: each element with its link, image and opt-out attributes, and the body's text.</summary>
    private static List<string> Shape(string html)
    {
        using var document = new HtmlParser().ParseDocument(html);
        var shape = document.All.Select(e => $"{e.LocalName} href={e.GetAttribute("href")} src={e.GetAttribute("src")} alt={e.GetAttribute("alt")} "
            + $"notrack={e.HasAttribute(LinkRewriter.OptOutAttribute)} parent={e.ParentElement?.LocalName}").ToList();
        shape.Add(document.Body!.TextContent);
        return shape;
    }
}

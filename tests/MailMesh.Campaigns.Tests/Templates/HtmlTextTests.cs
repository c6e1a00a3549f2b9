using MailMesh.Campaigns.Templates;

namespace MailMesh.Campaigns.Tests.Templates;

public sealed class HtmlTextTests
{
    [Fact]
    public void FromHtml_Document_DropsHeadAndScriptsAndKeepsStructure()
    {
        const string Html = "<!DOCTYPE html><html><head><title>T</title><style>p{color:red}</style></head><body>"
            + "<p>Hello   <b>Jane</b>,\n welcome!</p><script>alert(1)</script><ol><li>first</li><li>second</li></ol>"
            + "<p>Line one<br>Line two</p><p><a href=\"mailto:help@example.com\">help@example.com</a> <img src=\"x.png\" alt=\"Logo\"></p></body></html>";

        var text = HtmlText.FromHtml(Html);

        Assert.Equal("Hello Jane, welcome!\n\n1. first\n2. second\n\nLine one\nLine two\n\nhelp@example.com Logo\n", text);
    }

    [Fact]
    public void FromHtml_MalformedMarkup_IsReadAsABrowserWould()
    {
        var text = HtmlText.FromHtml("<div><p>Unclosed <b>bold <i>both</div><p>next</td></table>&amp; &lt;tag&gt; &nbsp;end");

        // Stray end tags are ignored, so the last text joins "next" in the same paragraph, with no space between.
        Assert.Equal("Unclosed bold both\n\nnext& <tag> end\n", text);
    }

    [Fact]
    public void FromHtml_Preformatted_KeepsLines()
    {
        var text = HtmlText.FromHtml("<pre>a  b\n  c</pre>");

        Assert.Equal("a  b\n  c\n", text);
    }
}

using System.Diagnostics;
using MailMesh.Mime.Text;

namespace MailMesh.Mime.Tests;

public sealed class HtmlToTextDepthTests
{
    [Fact]
    public void Convert_HostileDeepNesting_IsRenderedLinearly()
    {
        // 200,000 nested elements: a DOM build is quadratic in the depth here (minutes).
        var html = string.Concat(Enumerable.Repeat("<div><b>", 100_000)) + "deep &amp; text" + string.Concat(Enumerable.Repeat("</b></div>", 100_000));
        Assert.True(HtmlToText.NestsDeeperThan(html, HtmlToText.MaxTreeDepth));
        var watch = Stopwatch.StartNew();
        var text = HtmlToText.Convert(html);
        Assert.Equal("deep & text", text);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"rendering 200,000 nested elements took {watch.Elapsed}; the linear scan should take milliseconds");
    }

    [Fact]
    public void NestsDeeperThan_ClosedVoidAndSelfClosingTags_DoNotCount()
    {
        var flat = string.Concat(Enumerable.Repeat("<p>a<br><img src=x><br/></p><!-- <div> --><x/>", 5_000));
        Assert.False(HtmlToText.NestsDeeperThan(flat, 10));
        Assert.True(HtmlToText.NestsDeeperThan(string.Concat(Enumerable.Repeat("<span>", 11)), 10));
    }

    [Fact]
    public void ConvertByScanning_Document_KeepsTextBlocksAndListsAndDropsScripts()
    {
        var text = HtmlToText.ConvertByScanning("<html><head><style>p{}</style><script>x()</script></head><body><h1>Title</h1><p>Hello&nbsp;<b>world</b>, 1 < 2</p><ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr></table></body></html>");
        Assert.Equal("Title\nHello world, 1 < 2\n- one\n- two\na\tb", text);
    }
}

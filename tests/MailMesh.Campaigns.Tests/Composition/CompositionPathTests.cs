using AngleSharp.Html.Parser;
using MailMesh.Campaigns.Composition;
using MailMesh.Campaigns.Links;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Mime;

namespace MailMesh.Campaigns.Tests.Composition;

/// <summary>What each message must get whatever the composer keeps between messages: campaigns composed in turns keep
/// their own header values, and links that merge values bring are found and tracked in each message.</summary>
public sealed class CompositionPathTests
{
    private readonly TestComposer _test = new();

    [Fact]
    public async Task ComposeAsync_TwoCampaignsInTurns_EachMessageNamesItsOwnCampaign()
    {
        var spring = TestComposer.Request("<p>Spring</p>");
        var autumn = TestComposer.Request("<p>Autumn</p>") with { CampaignId = "autumn-sale", List = "vip", SendId = SendId.For("acme", "autumn-sale", "jane@example.net") };

        foreach (var request in new[] { spring, autumn, spring, autumn })
        {
            var message = MimeMessage.Parse((await _test.Composer.ComposeAsync(request)).Content.ToArray());

            var (list, campaign) = request == spring ? ("newsletter", "spring-sale") : ("vip", "autumn-sale");
            Assert.Equal($"<{list}.acme.lists.example.com>", message.Headers["List-Id"]);
            Assert.Equal($"{campaign}:acme:mailmesh", message.Headers["Feedback-ID"]);
            Assert.Equal($"{request.SendId}.{campaign}@example.com", message.MessageId);
        }
    }

    [Fact]
    public async Task ComposeAsync_EscapedMergeValueWithMarkup_AddsNoLinkToTheHtml()
    {
        var contact = TestComposer.Contact(attributes: ("first_name", AttributeValue.Of("<a href=\"https://evil.example/x\">x</a>")));
        var request = TestComposer.Request("<p>Hi {{first_name}} <a href=\"https://shop.example.com/a\">shop</a></p>", contact);

        var message = MimeMessage.Parse((await _test.Composer.ComposeAsync(request)).Content.ToArray());

        var document = new HtmlParser().ParseDocument(message.HtmlBody!);
        Assert.Equal(["https://shop.example.com/a"], Targets(document.QuerySelectorAll("a[href*='/c/']").Select(a => a.GetAttribute("href")!)));
        Assert.Contains("Hi <a href=\"https://evil.example/x\">x</a> shop", document.Body!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposeAsync_UnescapedMergeValueWithALink_IsTrackedInThatMessageOnly()
    {
        const string Html = "<p>{{{promo}}} <a href=\"https://shop.example.com/a\">shop</a></p>";
        var jane = TestComposer.Contact(attributes: ("promo", AttributeValue.Of("<a href=\"https://shop.example.com/promo\">promo</a>")));
        var bob = TestComposer.Contact("bob@example.net", ("promo", AttributeValue.Of("no offer")));

        var forJane = MimeMessage.Parse((await _test.Composer.ComposeAsync(TestComposer.Request(Html, jane))).Content.ToArray());
        var forBob = MimeMessage.Parse((await _test.Composer.ComposeAsync(TestComposer.Request(Html, bob, recipient: "bob@example.net"))).Content.ToArray());

        Assert.Equal(["https://shop.example.com/promo", "https://shop.example.com/a"], Targets(Hrefs(forJane.HtmlBody!)));
        Assert.Equal(["https://shop.example.com/a"], Targets(Hrefs(forBob.HtmlBody!)));
        Assert.DoesNotContain("https://shop.example.com/promo", forJane.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposeAsync_MergeValueWithAUrlInTheTextPart_IsTracked()
    {
        var contact = TestComposer.Contact(attributes: ("first_name", AttributeValue.Of("see https://shop.example.com/jane.")));
        var request = TestComposer.Request("<p>x</p>", contact, text: "Hi {{first_name}}\n");

        var message = MimeMessage.Parse((await _test.Composer.ComposeAsync(request)).Content.ToArray());

        Assert.DoesNotContain("https://shop.example.com/jane", message.TextBody, StringComparison.Ordinal);
        var click = message.TextBody!.Split([' ', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Single(w => w.StartsWith("https://t.example.com/c/", StringComparison.Ordinal));
        Assert.EndsWith(".", click, StringComparison.Ordinal);
        Assert.Equal(["https://shop.example.com/jane"], Targets([click.TrimEnd('.')]));
    }

    private static IEnumerable<string> Hrefs(string html) =>
        new HtmlParser().ParseDocument(html).QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")!);

    private List<string> Targets(IEnumerable<string> hrefs) =>
        hrefs.Where(h => h.StartsWith("https://t.example.com/c/", StringComparison.Ordinal))
            .Select(h =>
            {
                Assert.Equal(TrackingTokenStatus.Valid, _test.Codec.TryDecode(h.AsSpan("https://t.example.com/c/".Length), out var claims));
                return claims!.TargetUrl!;
            })
            .ToList();
}

using System.Text;
using AngleSharp.Html.Parser;
using MailMesh.Campaigns.Composition;
using MailMesh.Campaigns.Dkim;
using MailMesh.Campaigns.Links;
using MailMesh.Campaigns.Tests.Dkim;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Mime;
using MailMesh.Testing;

namespace MailMesh.Campaigns.Tests.Composition;

public sealed class CampaignMessageComposerTests
{
    private readonly TestComposer _test = new();

    private async Task<(ComposedMessage Composed, MimeMessage Parsed)> ComposeAsync(ComposeRequest request)
    {
        var composed = await _test.Composer.ComposeAsync(request);
        return (composed, MimeMessage.Parse(composed.Content.ToArray()));
    }

    [Fact]
    public async Task ComposeAsync_Contact_GivesAValidMessageWithEveryHeader()
    {
        var contact = TestComposer.Contact(attributes: ("first_name", AttributeValue.Of("Jane")));
        var request = TestComposer.Request("<p>Hi {{first_name}}</p><p><a href=\"{{unsubscribe_url}}\">Leave</a></p>", contact);

        var (composed, message) = await ComposeAsync(request);

        Assert.Equal("Hello Jane", message.Subject);
        Assert.Equal("news@example.com", Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal("Example Shop", message.From.Mailboxes.Single().Name);
        Assert.Equal("jane@example.net", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal(TestComposer.Now, message.Date);
        Assert.Equal($"{request.SendId}.spring-sale@example.com", message.MessageId);
        Assert.Equal(composed.MessageId, message.MessageId);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
        Assert.Equal("bulk", message.Headers["Precedence"]);
        Assert.Equal("<newsletter.acme.lists.example.com>", message.Headers["List-Id"]);
        Assert.Equal("1.0", message.Headers["MIME-Version"]);
        Assert.StartsWith("v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=mm2026;", message.Headers["DKIM-Signature"], StringComparison.Ordinal);
        Assert.Equal("multipart/alternative", message.Body.ContentType.MimeType);
        Assert.Contains("Hi Jane", message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Hi Jane", message.TextBody, StringComparison.Ordinal);
        Assert.Empty(composed.MissingFields);
        Assert.False(composed.RequiresSmtpUtf8);
        Assert.Equal("jane@example.net", composed.Recipient);
    }

    [Fact]
    public async Task ComposeAsync_ListUnsubscribe_HasHttpsAndMailtoForThisRecipient()
    {
        var request = TestComposer.Request("<p>x</p>");

        var (_, message) = await ComposeAsync(request);

        var value = message.Headers["List-Unsubscribe"]!;
        var parts = value.Split(',', StringSplitOptions.TrimEntries);
        Assert.Equal(2, parts.Length);
        Assert.StartsWith("<https://t.example.com/u/", parts[0], StringComparison.Ordinal);
        Assert.Equal($"<mailto:unsubscribe+{request.SendId}@bounces.example.com?subject=unsubscribe>", parts[1]);
        var token = parts[0]["<https://t.example.com/u/".Length..^1];
        Assert.Equal(TrackingTokenStatus.Valid, _test.Codec.TryDecode(token, out var claims));
        Assert.Equal(new TrackingClaims(TrackingKind.Unsubscribe, "acme", "spring-sale", "jane@example.net", TestComposer.Now, 0, "newsletter"), claims);
    }

    [Fact]
    public async Task ComposeAsync_EnvelopeFrom_IsTheVerpAddressOfTheSend()
    {
        var request = TestComposer.Request("<p>x</p>");

        var (composed, _) = await ComposeAsync(request);

        Assert.Equal($"bounces+{request.SendId}@bounces.example.com", composed.EnvelopeFrom);
        Assert.True(ReturnPath.TryParse(composed.EnvelopeFrom, out var parsed));
        Assert.Equal(request.SendId, parsed);
        Assert.True(ReturnPath.TryParse($"<BOUNCES+{request.SendId.ToString().ToUpperInvariant()}@bounces.example.com>", out parsed));
        Assert.Equal(request.SendId, parsed);
        Assert.False(ReturnPath.TryParse("bounces@bounces.example.com", out _));
    }

    [Fact]
    public async Task ComposeAsync_Links_AreRewrittenToSignedClickUrls()
    {
        const string Html = "<p><a href=\"https://shop.example.com/a?x=1&amp;y=2\">A</a> <a href=\"http://shop.example.com/b\">B</a>"
            + " <a href=\"https://shop.example.com/a?x=1&amp;y=2\">A again</a></p>";

        var (_, message) = await ComposeAsync(TestComposer.Request(Html));

        var links = Hrefs(message.HtmlBody!).Where(l => !l.StartsWith("https://t.example.com/u/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, links.Count);
        var targets = links.Select(href => Decode(href)).ToList();
        Assert.Equal(
            [(0, "https://shop.example.com/a?x=1&y=2"), (1, "http://shop.example.com/b"), (0, "https://shop.example.com/a?x=1&y=2")],
            targets.Select(c => (c.LinkIndex, c.TargetUrl!)));
        Assert.All(targets, c => Assert.Equal(("acme", "spring-sale", "jane@example.net"), (c.Tenant, c.CampaignId, c.ContactAddress)));
    }

    [Fact]
    public async Task ComposeAsync_MailtoTelAnchorsAndOptOut_AreLeftAlone()
    {
        const string Html = "<p><a href=\"mailto:help@example.com\">mail</a><a href=\"tel:+331234\">call</a><a href=\"#top\">top</a>"
            + "<a href=\"/relative\">rel</a><a data-mm-notrack href=\"https://private.example.com/\">private</a></p>";

        var (_, message) = await ComposeAsync(TestComposer.Request(Html));

        var html = message.HtmlBody!;
        var links = Hrefs(html);
        Assert.Contains("mailto:help@example.com", links);
        Assert.Contains("tel:+331234", links);
        Assert.Contains("#top", links);
        Assert.Contains("/relative", links);
        Assert.Contains("https://private.example.com/", links);
        Assert.DoesNotContain("data-mm-notrack", html, StringComparison.Ordinal);
        Assert.DoesNotContain(links, l => l.StartsWith("https://t.example.com/c/", StringComparison.Ordinal));
        Assert.Contains("https://private.example.com/", message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposeAsync_Track_AddsTheOpenPixelOnce()
    {
        var (_, message) = await ComposeAsync(TestComposer.Request("<html><body><p>x</p></body></html>"));

        var document = new HtmlParser().ParseDocument(message.HtmlBody!);
        var pixel = Assert.Single(document.QuerySelectorAll("img"));
        var src = pixel.GetAttribute("src")!;
        Assert.StartsWith("https://t.example.com/o/", src, StringComparison.Ordinal);
        Assert.EndsWith(".gif", src, StringComparison.Ordinal);
        Assert.Equal(TrackingTokenStatus.Valid, _test.Codec.TryDecode(src.AsSpan("https://t.example.com/o/".Length..^4), out var claims));
        Assert.Equal(TrackingKind.Open, claims!.Kind);
    }

    [Fact]
    public async Task ComposeAsync_NoTracking_KeepsLinksAndAddsNoPixel()
    {
        var (_, message) = await ComposeAsync(TestComposer.Request("<p><a href=\"https://shop.example.com/\">shop</a></p>", track: false));

        Assert.Contains("https://shop.example.com/", Hrefs(message.HtmlBody!));
        Assert.DoesNotContain("/o/", message.HtmlBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposeAsync_TextPartLinks_AreRewrittenWithTheHtmlIndexes()
    {
        var request = TestComposer.Request(
            "<p><a href=\"https://shop.example.com/a\">A</a></p>", text: "Shop: https://shop.example.com/a.\nBlog: https://blog.example.com/post?id=3\n");

        var (_, message) = await ComposeAsync(request);

        var text = message.TextBody!;
        Assert.DoesNotContain("https://shop.example.com/a", text, StringComparison.Ordinal);
        var urls = text.Split(['\r', '\n', ' '], StringSplitOptions.RemoveEmptyEntries).Where(w => w.StartsWith("https://t.example.com/c/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, urls.Count);
        Assert.EndsWith(".", urls[0], StringComparison.Ordinal);
        Assert.Equal((0, "https://shop.example.com/a"), (Decode(urls[0].TrimEnd('.')).LinkIndex, Decode(urls[0].TrimEnd('.')).TargetUrl));
        Assert.Equal((1, "https://blog.example.com/post?id=3"), (Decode(urls[1]).LinkIndex, Decode(urls[1]).TargetUrl));
    }

    [Fact]
    public async Task ComposeAsync_TemplateWithoutUnsubscribeLink_GetsAVisibleOne()
    {
        var (_, message) = await ComposeAsync(TestComposer.Request("<html><body><p>Offer</p></body></html>", track: false));

        var document = new HtmlParser().ParseDocument(message.HtmlBody!);
        var link = Assert.Single(document.QuerySelectorAll("a"));
        Assert.Equal("Unsubscribe", link.TextContent);
        Assert.StartsWith("https://t.example.com/u/", link.GetAttribute("href"), StringComparison.Ordinal);
        Assert.Contains("Unsubscribe: https://t.example.com/u/", message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposeAsync_MalformedHtml_StillComposesAndTracks()
    {
        var (_, message) = await ComposeAsync(TestComposer.Request("<div><a href=\"https://shop.example.com/x\">unclosed <b>bold<p>para</table>"));

        // The parser re-opens the unclosed link inside the next paragraph, as browsers do: both copies are tracked.
        var clicks = Hrefs(message.HtmlBody!).Where(l => l.Contains("/c/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(clicks);
        Assert.All(clicks, l => Assert.Equal((0, "https://shop.example.com/x"), (Decode(l).LinkIndex, Decode(l).TargetUrl)));
        Assert.Contains("unclosed bold", message.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposeAsync_MissingFields_AreReportedAndTheMessageStillComposed()
    {
        var (composed, message) = await ComposeAsync(TestComposer.Request("<p>{{first_name}} {{customer_code}}</p>", TestComposer.Contact()));

        Assert.Equal(["first_name", "customer_code"], composed.MissingFields);
        Assert.Equal("Hello there", message.Subject);
    }

    [Fact]
    public async Task ComposeAsync_NonAsciiLocalPart_RequiresSmtpUtf8()
    {
        var (composed, message) = await ComposeAsync(TestComposer.Request("<p>x</p>", recipient: "zoé@exämple.com"));

        Assert.True(composed.RequiresSmtpUtf8);
        Assert.Equal("zoé@xn--exmple-cua.com", composed.Recipient);
        Assert.Equal("zoé@exämple.com", message.To.Mailboxes.Single().UnicodeAddress);
    }

    [Fact]
    public async Task ComposeAsync_UnicodeDomainOnly_GoesAsAsciiWithoutSmtpUtf8()
    {
        var (composed, message) = await ComposeAsync(TestComposer.Request("<p>x</p>", recipient: "zoe@exämple.com"));

        Assert.False(composed.RequiresSmtpUtf8);
        Assert.Equal("zoe@xn--exmple-cua.com", composed.Recipient);
        Assert.Equal("zoe@xn--exmple-cua.com", message.To.Mailboxes.Single().Address);
    }

    [Theory]
    [InlineData("not-an-address", "sender address")]
    [InlineData("news@", "sender address")]
    [InlineData("a b@example.com", "sender address")]
    public async Task ComposeAsync_MalformedSender_SaysWhichPart(string from, string expected)
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await _test.Composer.ComposeAsync(TestComposer.Request("<p>x</p>", from: from)));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposeAsync_TemplateError_ThrowsTemplateException()
    {
        var error = await Assert.ThrowsAsync<TemplateException>(async () => await _test.Composer.ComposeAsync(TestComposer.Request("<p>{{#if x}}</p>")));

        Assert.Equal("html", Assert.Single(error.Diagnostics).Part);
    }

    [Fact]
    public async Task ComposeAsync_NoKeyForTheDomainWhenRequired_IsRefused()
    {
        var composer = new TestComposer(new DkimSignerSet([DkimSignerTests.RsaSigner("other.org")], required: true)).Composer;

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await composer.ComposeAsync(TestComposer.Request("<p>x</p>")));

        Assert.Contains("no DKIM key is configured for the sender domain 'example.com'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposeAsync_NoKeyForTheDomain_SendsUnsigned()
    {
        var composer = new TestComposer(new DkimSignerSet([])).Composer;

        var composed = await composer.ComposeAsync(TestComposer.Request("<p>x</p>"));

        Assert.DoesNotContain("DKIM-Signature", Encoding.UTF8.GetString(composed.Content.Span), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task ComposeAsync_SignedMessage_VerifiedByDkimpy()
    {
        var contact = TestComposer.Contact(attributes: ("first_name", AttributeValue.Of("Zoé")));
        var request = TestComposer.Request("<p>Bonjour {{first_name}} — <a href=\"https://shop.example.com/\">boutique</a></p>", contact) with
        {
            Template = new TemplateDefinition("fr", "Bonjour {{first_name}}, les soldes", "<p>Bonjour {{first_name}} — <a href=\"https://shop.example.com/\">boutique</a></p>", null, "fr-FR"),
        };

        var composed = await _test.Composer.ComposeAsync(request);

        Assert.Equal("pass", await DkimVerifier.VerifyAsync(composed.Content.ToArray(), DkimSignerTests.Records(_test.Signer)));
    }

    [Fact]
    public async Task ComposeAsync_SameTemplateForManyRecipients_CompilesOnce()
    {
        for (var i = 0; i < 5; i++)
        {
            await _test.Composer.ComposeAsync(TestComposer.Request("<p>x {{first_name}}</p>", recipient: $"user{i}@example.net"));
        }

        Assert.Equal(1, _test.Composer.Compiler.CachedCount);
    }

    private List<string> Hrefs(string html) =>
        new HtmlParser().ParseDocument(html).QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")!).ToList();

    private TrackingClaims Decode(string clickUrl)
    {
        Assert.StartsWith("https://t.example.com/c/", clickUrl, StringComparison.Ordinal);
        Assert.Equal(TrackingTokenStatus.Valid, _test.Codec.TryDecode(clickUrl.AsSpan("https://t.example.com/c/".Length), out var claims));
        Assert.Equal(TrackingKind.Click, claims!.Kind);
        return claims;
    }
}

using System.Text;
using AngleSharp.Html.Parser;
using MailMesh.Campaigns.Composition;
using MailMesh.Campaigns.Links;
using MailMesh.Campaigns.Templates;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Mime;

namespace MailMesh.Campaigns.Tests.Composition;

/// <summary>The per-template cache and the per-recipient fast path: a changed template gives new parts, the same content
/// is compiled once, merge fields inside links are tracked per recipient, and the written MIME parses back.</summary>
public sealed class CompositionCacheTests
{
    private readonly TestComposer _test = new();

    [Fact]
    public void Compile_SameInstanceOrSameContent_ReusesTheCompiledTemplate()
    {
        var compiler = new TemplateCompiler();
        var template = new TemplateDefinition("t", "Hi {{first_name}}", "<p>{{first_name}}</p>", null);

        var first = compiler.Compile(template);
        var again = compiler.Compile(template);
        var copy = compiler.Compile(template with { Html = new StringBuilder("<p>{{first_name}}</p>").ToString() });

        Assert.Same(first, again);
        Assert.Same(first, copy);
        Assert.Equal(1, compiler.CachedCount);
    }

    [Fact]
    public void Compile_ChangedContent_GivesNewParts()
    {
        var compiler = new TemplateCompiler();
        var template = new TemplateDefinition("t", "Hi {{first_name}}", "<p>Old {{first_name}}</p>", null);
        var fields = new Dictionary<string, object?> { ["first_name"] = "Jane" };

        var old = compiler.Compile(template);
        var changed = compiler.Compile(template with { Html = "<p>New {{first_name}}</p>" });

        Assert.NotSame(old, changed);
        Assert.Equal("<p>Old Jane</p>", old.Render(fields, System.Globalization.CultureInfo.InvariantCulture, NodaTime.DateTimeZone.Utc).Html);
        Assert.Equal("<p>New Jane</p>", changed.Render(fields, System.Globalization.CultureInfo.InvariantCulture, NodaTime.DateTimeZone.Utc).Html);
        Assert.Equal(2, compiler.CachedCount);
    }

    [Fact]
    public async Task ComposeAsync_TemplateChangedBetweenMessages_SendsTheNewContent()
    {
        var first = await _test.Composer.ComposeAsync(TestComposer.Request("<p>First edition <a href=\"https://shop.example.com/one\">one</a></p>"));
        var second = await _test.Composer.ComposeAsync(TestComposer.Request("<p>Second edition <a href=\"https://shop.example.com/two\">two</a></p>"));

        var (firstHtml, secondHtml) = (Parse(first).HtmlBody!, Parse(second).HtmlBody!);
        Assert.Contains("First edition", firstHtml, StringComparison.Ordinal);
        Assert.Contains("Second edition", secondHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("First edition", secondHtml, StringComparison.Ordinal);
        Assert.Equal("https://shop.example.com/two", Clicks(secondHtml).Single().TargetUrl);
    }

    [Fact]
    public async Task ComposeAsync_MergeFieldInsideHref_TracksEachRecipientsOwnTarget()
    {
        const string Html = "<p><a href=\"https://shop.example.com/c/{{customer_code}}?tier={{tier}}&amp;x=1\">your page</a>"
            + " <a href=\"https://shop.example.com/static\">static</a></p>";
        var jane = TestComposer.Contact("jane@example.net", ("customer_code", AttributeValue.Of("C1")), ("tier", AttributeValue.Of("gold")));
        var bob = TestComposer.Contact("bob@example.net", ("customer_code", AttributeValue.Of("A&B \"2\"")), ("tier", AttributeValue.Of("silver")));

        var forJane = Parse(await _test.Composer.ComposeAsync(TestComposer.Request(Html, jane)));
        var forBob = Parse(await _test.Composer.ComposeAsync(TestComposer.Request(Html, bob, recipient: "bob@example.net")));

        Assert.Equal(
            [(0, "https://shop.example.com/c/C1?tier=gold&x=1"), (1, "https://shop.example.com/static")],
            Clicks(forJane.HtmlBody!).Select(c => (c.LinkIndex, c.TargetUrl!)));
        Assert.Equal(
            [(0, "https://shop.example.com/c/A&B \"2\"?tier=silver&x=1"), (1, "https://shop.example.com/static")],
            Clicks(forBob.HtmlBody!).Select(c => (c.LinkIndex, c.TargetUrl!)));
        Assert.All(Clicks(forBob.HtmlBody!), c => Assert.Equal("bob@example.net", c.ContactAddress));
        Assert.Contains("your page (https://t.example.com/c/", forBob.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposeAsync_LongLinesAndNonAscii_ParseBackToTheRenderedParts()
    {
        var longLine = string.Concat(Enumerable.Repeat("word ", 300));
        var contact = TestComposer.Contact(attributes: ("first_name", AttributeValue.Of("Zoé")));
        var request = TestComposer.Request($"<p>Bonjour {{{{first_name}}}} = ça va ?</p><p>{longLine}</p>", contact, track: false);

        var composed = await _test.Composer.ComposeAsync(request);
        var preview = _test.Composer.Preview(request);
        var message = Parse(composed);

        Assert.Equal("multipart/alternative", message.Body.ContentType.MimeType);
        Assert.Equal(preview.Html!.Replace("\n", "\r\n", StringComparison.Ordinal), message.HtmlBody!.TrimEnd('\r', '\n'));
        Assert.Equal(preview.Text.Replace("\n", "\r\n", StringComparison.Ordinal).TrimEnd('\r', '\n'), message.TextBody!.TrimEnd('\r', '\n'));
        var raw = Encoding.UTF8.GetString(composed.Content.Span);
        Assert.Contains("Content-Transfer-Encoding: quoted-printable", raw, StringComparison.Ordinal);
        Assert.All(raw.Split("\r\n"), line => Assert.True(line.Length <= 998, $"a line of {line.Length} octets"));
        Assert.DoesNotContain("\n", raw.Replace("\r\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposeAsync_TextOnlyTemplate_IsOneTextPart()
    {
        var request = TestComposer.Request("unused", text: "Hello {{default first_name \"there\"}}\nBye\n") with
        {
            Template = new TemplateDefinition("text", "Hi", null, "Hello {{default first_name \"there\"}}\nBye\n"),
        };

        var message = Parse(await _test.Composer.ComposeAsync(request));

        Assert.Equal("text/plain", message.Body.ContentType.MimeType);
        Assert.StartsWith("Hello there\r\nBye\r\n", message.TextBody, StringComparison.Ordinal);
        Assert.Null(message.HtmlBody);
    }

    private static MimeMessage Parse(ComposedMessage composed) => MimeMessage.Parse(composed.Content.ToArray());

    private List<TrackingClaims> Clicks(string html) =>
        new HtmlParser().ParseDocument(html).QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")!)
            .Where(h => h.StartsWith("https://t.example.com/c/", StringComparison.Ordinal))
            .Select(h =>
            {
                Assert.Equal(TrackingTokenStatus.Valid, _test.Codec.TryDecode(h.AsSpan("https://t.example.com/c/".Length), out var claims));
                return claims!;
            })
            .ToList();
}

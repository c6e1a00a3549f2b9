using MailMesh.Campaigns.Templates;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;

namespace MailMesh.Campaigns.Tests.Templates;

public sealed class TemplateCompilerTests
{
    private const string Unsubscribe = "https://t.example.com/u/TOKEN";
    private readonly TemplateCompiler _compiler = new();

    internal static ContactInfo Contact(params (string Name, AttributeValue Value)[] attributes) =>
        new("acme", "jane@example.com", "jane@example.com", attributes.ToDictionary(a => a.Name, a => a.Value), ["newsletter", "vip"], [], [],
            new ContactEngagement(), false, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1);

    private RenderedTemplate Render(string html, ContactInfo? contact, string locale = "en-US", string? text = null, string subject = "Hi", string zone = "UTC") =>
        _compiler.Compile(new TemplateDefinition("t", subject, html, text, locale)).Render(contact, "jane@example.com", Unsubscribe, zone);

    [Fact]
    public void Render_AttributesOfEveryType_AreMerged()
    {
        var contact = Contact(
            ("first_name", AttributeValue.Of("Jane")), ("purchase_count", AttributeValue.Of(3)), ("vip", AttributeValue.Of(true)),
            ("last_purchase_at", AttributeValue.Of(new DateTimeOffset(2026, 3, 9, 10, 0, 0, TimeSpan.Zero))), ("interests", AttributeValue.Of(["golf", "wine"])));

        var rendered = Render("{{first_name}}|{{purchase_count}}|{{#if vip}}VIP{{/if}}|{{last_purchase_at}}|{{interests}}|{{email}}|{{lists}}|{{unsubscribe_url}}", contact);

        Assert.Equal("Jane|3|VIP|3/9/2026|golf, wine|jane@example.com|newsletter, vip|https://t.example.com/u/TOKEN", rendered.Html);
        Assert.Empty(rendered.MissingFields);
    }

    [Fact]
    public void Render_MissingField_IsEmptyAndReported()
    {
        var rendered = Render("<p>Hello {{first_name}} {{last_name}}, code {{customer_code}}</p>", Contact(("first_name", AttributeValue.Of("Jane"))));

        Assert.Equal("<p>Hello Jane , code </p>", rendered.Html);
        Assert.Equal(["last_name", "customer_code"], rendered.MissingFields);
    }

    [Fact]
    public void Render_DefaultHelper_CoversMissingFieldWithoutReportingIt()
    {
        var rendered = Render("Hello {{default first_name \"friend\"}}, {{default role \"customer\"}}", Contact(("role", AttributeValue.Of("CTO"))));

        Assert.Equal("Hello friend, CTO", rendered.Html);
        Assert.Empty(rendered.MissingFields);
    }

    [Fact]
    public void Render_ConditionalsAndEach_DifferPerRecipient()
    {
        const string Html = "{{#if (eq tier \"gold\")}}Gold offer{{else}}Standard offer{{/if}}:{{#each interests}} [{{this}}]{{/each}}{{#if (contains interests \"wine\")}} +wine{{/if}}";

        var gold = Render(Html, Contact(("tier", AttributeValue.Of("gold")), ("interests", AttributeValue.Of(["golf", "wine"]))));
        var bronze = Render(Html, Contact(("tier", AttributeValue.Of("bronze")), ("interests", AttributeValue.Of(["tennis"]))));
        var none = Render(Html, Contact());

        Assert.Equal("Gold offer: [golf] [wine] +wine", gold.Html);
        Assert.Equal("Standard offer: [tennis]", bronze.Html);
        Assert.Equal("Standard offer:", none.Html);
        Assert.Empty(none.MissingFields);
    }

    [Fact]
    public void Render_NumericComparison_ComparesAsNumbers()
    {
        var rendered = Render("{{#if (gt total_spent 100)}}big{{else}}small{{/if}}", Contact(("total_spent", AttributeValue.Of(1000.5))));

        Assert.Equal("big", rendered.Html);
    }

    [Fact]
    public void Render_FrenchAndAmericanLocales_FormatNumbersAndDatesDifferently()
    {
        const string Html = "{{number total_spent \"N2\"}}|{{date birth_date \"long\"}}|{{currency total_spent \"EUR\"}}|{{total_spent}}";
        var attributes = new (string, AttributeValue)[]
        {
            ("total_spent", AttributeValue.Of(1234.5)), ("birth_date", AttributeValue.Of(new DateTimeOffset(1980, 5, 1, 12, 0, 0, TimeSpan.Zero))),
        };

        var american = Render(Html, Contact(attributes), "en-US");
        var french = Render(Html, Contact([.. attributes, ("locale", AttributeValue.Of("fr-FR"))]), "en-US");

        Assert.Equal("1,234.50|Thursday, May 1, 1980|€1,234.50|1,234.5", american.Html);
        var parts = french.Html!.Split('|');
        Assert.Equal("1 234,50", Normalize(parts[0]));
        Assert.Equal("jeudi 1 mai 1980", parts[1]);
        Assert.Equal("1 234,50 €", Normalize(parts[2]));
        Assert.Equal("1 234,5", Normalize(parts[3]));
    }

    [Fact]
    public void Render_ContactTimeZone_ShowsTheLocalDate()
    {
        var late = AttributeValue.Of(new DateTimeOffset(2026, 1, 1, 23, 30, 0, TimeSpan.Zero));

        var utc = Render("{{date when \"yyyy-MM-dd HH:mm\"}}", Contact(("when", late)));
        var tokyo = Render("{{date when \"yyyy-MM-dd HH:mm\"}}", Contact(("when", late), ("time_zone", AttributeValue.Of("Asia/Tokyo"))));
        var campaignZone = Render("{{date when \"yyyy-MM-dd HH:mm\"}}", Contact(("when", late)), zone: "America/New_York");

        Assert.Equal("2026-01-01 23:30", utc.Html);
        Assert.Equal("2026-01-02 08:30", tokyo.Html);
        Assert.Equal("2026-01-01 18:30", campaignZone.Html);
    }

    [Fact]
    public void Render_UnknownContactLocaleAndZone_FallBackToTheTemplates()
    {
        var contact = Contact(("locale", AttributeValue.Of("xx-NOPE")), ("time_zone", AttributeValue.Of("Mars/Olympus")), ("n", AttributeValue.Of(1234.5)));

        var rendered = Render("{{n}}", contact, "fr-FR");

        Assert.Equal("1 234,5", Normalize(rendered.Html!));
    }

    [Fact]
    public void Render_HtmlIsEscapedButSubjectAndTextAreNot()
    {
        var contact = Contact(("first_name", AttributeValue.Of("Tom & <Jerry>")));

        var rendered = Render("<p>{{first_name}}</p>", contact, text: "Hi {{first_name}}", subject: "For {{first_name}}");

        Assert.Equal("<p>Tom &amp; &lt;Jerry&gt;</p>", rendered.Html);
        Assert.Equal("Hi Tom & <Jerry>", rendered.Text);
        Assert.Equal("For Tom & <Jerry>", rendered.Subject);
    }

    [Fact]
    public void Render_SubjectWithNewlines_IsOneLine()
    {
        var rendered = Render("<p>x</p>", Contact(("first_name", AttributeValue.Of("Jane"))), subject: "Hello\r\n{{first_name}}\n");

        Assert.Equal("Hello Jane", rendered.Subject);
    }

    [Fact]
    public void Render_NoTextPart_GeneratesTextFromHtml()
    {
        var rendered = Render("<h1>Hi {{first_name}}</h1><p>See <a href=\"https://shop.example.com/\">the shop</a>.</p><ul><li>one</li><li>two</li></ul>",
            Contact(("first_name", AttributeValue.Of("Jane"))));

        Assert.Equal("Hi Jane\n\nSee the shop (https://shop.example.com/).\n\n- one\n- two\n", rendered.Text);
    }

    [Fact]
    public void Compile_UnclosedBlock_ReportsPartLineAndColumn()
    {
        var error = Assert.Throws<TemplateException>(() => _compiler.Compile(new TemplateDefinition("t", "Hi", "<p>\n  {{#if vip}}\n  VIP\n</p>", null)));

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal(("html", 2, 3), (diagnostic.Part, diagnostic.Line, diagnostic.Column));
        Assert.Contains("'{{#if}}' is never closed", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_MismatchedClose_ReportsWhereEachBlockIs()
    {
        var error = Assert.Throws<TemplateException>(() => _compiler.Compile(new TemplateDefinition("t", "Hi", null, "{{#each items}}\nx {{/if}}")));

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal(("text", 2, 3), (diagnostic.Part, diagnostic.Line, diagnostic.Column));
        Assert.Contains("closes '{{#each}}' opened at 1:1", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_UnclosedExpressionInSubject_ReportsTheSubject()
    {
        var error = Assert.Throws<TemplateException>(() => _compiler.Compile(new TemplateDefinition("t", "Hello {{first_name", "<p>x</p>", null)));

        var diagnostic = Assert.Single(error.Diagnostics);
        Assert.Equal(("subject", 1, 7), (diagnostic.Part, diagnostic.Line, diagnostic.Column));
        Assert.StartsWith("subject 1:7:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_UnknownHelperAndPartial_AreReportedWithPositions()
    {
        var error = Assert.Throws<TemplateException>(() =>
            _compiler.Compile(new TemplateDefinition("t", "Hi", "{{shout first_name}}\n{{> footer}}\n{{#if (same a b)}}x{{/if}}", null)));

        Assert.Equal([(1, 1), (2, 1), (3, 1)], error.Diagnostics.Select(d => (d.Line, d.Column)));
        Assert.Contains("unknown helper 'shout'", error.Diagnostics[0].Message, StringComparison.Ordinal);
        Assert.Contains("partials", error.Diagnostics[1].Message, StringComparison.Ordinal);
        Assert.Contains("unknown helper 'same'", error.Diagnostics[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_ProblemsInSeveralParts_ListsEveryPart()
    {
        var error = Assert.Throws<TemplateException>(() => _compiler.Compile(new TemplateDefinition("t", "{{/if}}", "{{#each x}}", "{{!-- open")));

        Assert.Equal(["subject", "html", "text"], error.Diagnostics.Select(d => d.Part));
    }

    [Fact]
    public void Compile_UnknownLocale_SaysWhichLocale()
    {
        var error = Assert.Throws<ArgumentException>(() => _compiler.Compile(new TemplateDefinition("t", "Hi", "<p>x</p>", null, "xx-NOWHERE")));

        Assert.Contains("'xx-NOWHERE' is not a known locale", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_UnknownCampaignTimeZone_SaysWhichZone()
    {
        var error = Assert.Throws<ArgumentException>(() => Render("<p>x</p>", null, zone: "Europe/Atlantis"));

        Assert.Contains("'Europe/Atlantis' is not a known IANA time zone", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_NoBody_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => _compiler.Compile(new TemplateDefinition("t", "Hi", null, null)));

        Assert.Contains("needs an HTML part, a text part or both", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_SameContentTwice_ReturnsTheCachedTemplate()
    {
        var first = _compiler.Compile(new TemplateDefinition("a", "Hi {{first_name}}", "<p>x</p>", null));
        var second = _compiler.Compile(new TemplateDefinition("b", "Hi {{first_name}}", "<p>x</p>", null));
        var other = _compiler.Compile(new TemplateDefinition("a", "Hi {{first_name}}", "<p>y</p>", null));

        Assert.Same(first, second);
        Assert.NotSame(first, other);
        Assert.Equal(2, _compiler.CachedCount);
    }

    [Fact]
    public void Render_NoContact_RendersWithEmailOnly()
    {
        var rendered = Render("Hi {{default first_name \"there\"}} ({{email}})", null);

        Assert.Equal("Hi there (jane@example.com)", rendered.Html);
    }

    /// <summary>ICU writes group separators as narrow no-break spaces; the tests compare with plain spaces.</summary>
    private static string Normalize(string text) => text.Replace('\u202f', ' ').Replace('\u00a0', ' ');
}

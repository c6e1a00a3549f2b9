using MailMesh.Campaigns.Links;
using MailMesh.Campaigns.Templates;
using MailMesh.Campaigns.Tests.Composition;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;

namespace MailMesh.Campaigns.Tests.Templates;

/// <summary>The HTML pass planned per shape of a template against the full scan of each recipient's HTML: for every
/// template and recipient, a replayed plan gives exactly the scanner's HTML, text, links and opt-outs, and gives nothing
/// where the scanner refuses the HTML; marking the values leaves the rendered HTML as it was.</summary>
public sealed class HtmlPlanTests
{
    private const string Base = "https://t.example.com";
    private const string Pixel = "https://t.example.com/o/pixel.gif";
    private const string Unsubscribe = "https://t.example.com/u/token";

    public static TheoryData<string, string> Templates => new()
    {
        { "loop-and-condition", """
            <html><body>
            <p>Hello {{default first_name "there"}},</p>
            <ul>{{#each products}}<li><a href="https://shop.example.com/p/{{this}}?c={{../code}}">{{this}}</a></li>{{/each}}</ul>
            {{#if (eq tier "gold")}}<p>Free shipping.</p>{{else}}<p>From 50 EUR.</p>{{/if}}
            <ol>{{#each products}}<li>{{this}}</li>{{/each}}</ol>
            <p><a href="https://shop.example.com/account">Your account</a></p>
            </body></html>
            """ },
        { "values-in-attributes", """
            <p title="{{first_name}}"><img src="https://cdn.example.com/{{code}}.png" alt="{{first_name}} &amp; co"><a href="{{link}}">go</a>
            <a href='https://shop.example.com/{{code}}' data-mm-notrack>kept</a> <area href="{{link}}"></p>
            """ },
        { "raw-values", "<p>{{{first_name}}} and <a href=\"{{{link}}}\">{{{code}}}</a></p><div>{{{note}}}</div>" },
        { "comment-script-style-title", """
            <html><head><title>{{first_name}}</title><style>.x{color:{{tier}} }</style></head><body>
            <!-- {{first_name}} --><script>var n = "{{first_name}}";</script><p>{{first_name}}</p></body></html>
            """ },
        { "malformed", "<p>Unclosed <b>{{first_name}} <i>both</b> <table><td>{{code}}</td></table><p>{{tier}}" },
        { "value-in-table", "<table><tr><td>a</td>{{note}}</tr></table><p>{{first_name}}</p>" },
        { "pre-and-entities", "<p>a</p><pre>{{note}}\n x</pre><p>&am{{tier}} caf&eacute; {{first_name}}&amp;{{code}}</p>" },
        { "unquoted-and-names", "<p><a href=https://shop.example.com/{{code}}>x</a> <b class={{tier}}>y</b> <{{tier}}>z</p>" },
        { "outside-the-body", "{{first_name}}<html><body><p>x {{tier}}</p></body>{{note}}</html>" },
        { "unsubscribe-field", "<html><body><p>{{first_name}}</p><p><a href=\"{{unsubscribe_url}}\">leave</a></p></body></html>" },
        { "value-first", "{{note}}<p>y {{tier}}</p><p>{{note}}</p>" },
        { "value-before-head-content", "{{note}}<title>t</title>" },
        { "no-values", "<html><body><p>Static <a href=\"https://shop.example.com/s\">s</a></p></body></html>" },
    };

    private static readonly ContactInfo[] Contacts =
    [
        Contact("a", "Jane", "gold", "C100001", "https://shop.example.com/x?y=1", "a note", ["kettle", "mug"]),
        Contact("b", "Amélie O'Brien & <Sons> \"q\"", "silver", "C1&2", "mailto:help@example.com", "   ", ["thé vert", "a&b", "<i>x</i>"]),
        Contact("c", "", "bronze", "", "", "", []),
        Contact("d", "\n", "gold", " C 3 ", "  https://shop.example.com/trim  ", "\nline one\nline two", ["x"]),
        Contact("e", "p;", "p;", "p;", "https://t.example.com/u/own", "<b>bold</b> <a href=\"https://raw.example.com/\">raw</a>", ["p;"]),
        Contact("f", "cr\r\nlf", "nul\0", "tab\tx", "javascript:alert(1)", "</p></div><p>", ["1", "2", "3", "4", "5"]),
        Contact("g", "marker \uE000 open", "close \uE001", "C7", "https://shop.example.com/m", "x", ["m"]),
        Contact("h", "Bo", "gold", "C100001", "https://shop.example.com/x?y=1", "a note", ["kettle", "mug"]),
    ];

    [Theory]
    [MemberData(nameof(Templates))]
    public void Replay_EveryRecipient_GivesTheFullScansResult(string name, string html)
    {
        var compiled = new TemplateCompiler().Compile(new TemplateDefinition(name, "s", html, null));
        foreach (var withText in new[] { true, false })
        {
            foreach (var pixel in new[] { Pixel, null })
            {
                foreach (var contact in Contacts)
                {
                    var rendered = compiled.Render(contact, contact.Address, Unsubscribe, "Europe/Paris", generateText: false, markValues: true);
                    var plain = compiled.Render(contact, contact.Address, Unsubscribe, "Europe/Paris", generateText: false);
                    Assert.Equal(plain.Html, rendered.Html);
                    if (rendered.Marked is not { } marked)
                    {
                        continue;
                    }

                    Assert.Equal(rendered.Html, marked.Html);
                    var full = HtmlScanner.TryRewrite(marked.Html, Click, pixel, Base, withText);
                    var replayed = compiled.HtmlPlans.Find(marked, withText, pixel is not null)?.Replay(marked, Click, pixel, Base, withText);
                    if (replayed is not null)
                    {
                        Assert.NotNull(full);
                        AssertSame(full, replayed, $"{name}, {contact.Address}, text {withText}, pixel {pixel is not null}");
                    }

                    // The public path: plan or full scan, the same result.
                    var either = HtmlScanner.TryRewrite(marked, compiled.HtmlPlans, Click, pixel, Base, withText);
                    if (full is null)
                    {
                        Assert.Null(either);
                    }
                    else
                    {
                        AssertSame(full, either!, name);
                    }
                }
            }
        }
    }

    [Fact]
    public void Find_ValuesInTextAndQuotedAttributes_PlansEveryShape()
    {
        var compiled = new TemplateCompiler().Compile(new TemplateDefinition("t", "s", Templates.First()[1].ToString()!, null));
        var replayed = 0;
        foreach (var contact in Contacts)
        {
            var marked = compiled.Render(contact, contact.Address, Unsubscribe, "Europe/Paris", generateText: false, markValues: true).Marked;
            if (marked is not null && compiled.HtmlPlans.Find(marked, true, true)?.Replay(marked, Click, Pixel, Base, true) is not null)
            {
                replayed++;
            }
        }

        // Contact f has a CR and a NUL in its values (scanned whole).
        Assert.True(replayed >= 4, $"only {replayed} of {Contacts.Length} recipients were served by a plan");
        Assert.True(compiled.HtmlPlans.Count >= 4);
    }

    [Theory]
    [InlineData("<!-- {{first_name}} --><p>x</p>")]
    [InlineData("<script>var n = \"{{first_name}}\";</script><p>x</p>")]
    [InlineData("<p><a href=https://shop.example.com/{{code}}>x</a></p>")]
    [InlineData("<p><b class={{tier}}>y</b></p>")]
    [InlineData("<pre>{{note}}</pre>")]
    public void Find_ValueOutsideTextAndQuotedValues_MakesNoUsablePlan(string html)
    {
        var compiled = new TemplateCompiler().Compile(new TemplateDefinition("t", "s", html, null));
        var marked = compiled.Render(Contacts[0], "a@example.net", Unsubscribe, "Europe/Paris", generateText: false, markValues: true).Marked!;
        Assert.NotEmpty(marked.Starts);
        Assert.Null(compiled.HtmlPlans.Find(marked, true, true));
    }

    [Fact]
    public void Render_MarkedValues_AreTheEscapedValuesWhereTheyLie()
    {
        var compiled = new TemplateCompiler().Compile(new TemplateDefinition("t", "s", "<p title=\"{{code}}\">{{first_name}}{{{note}}}{{tier}}{{note}}</p>", null));
        var rendered = compiled.Render(Contacts[1], "b@example.net", Unsubscribe, "Europe/Paris", generateText: false, markValues: true);
        var marked = rendered.Marked!;
        Assert.Equal(
            ["C1&amp;2", "Amélie O&#x27;Brien &amp; &lt;Sons&gt; &quot;q&quot;", "silver", "   "],
            marked.Starts.Select((s, i) => marked.Html.Substring(s, marked.Lengths[i])));
    }

    [Fact]
    public void Insert_FooterWithItsUrl_KeepsTheValuesPlaces()
    {
        var compiled = new TemplateCompiler().Compile(new TemplateDefinition("t", "s", "<body><p>{{first_name}}</p>{{tier}}</body>", null));
        var marked = compiled.Render(Contacts[0], "a@example.net", Unsubscribe, "Europe/Paris", generateText: false, markValues: true).Marked!;
        var at = marked.Html.LastIndexOf("</body", StringComparison.Ordinal);
        var inserted = marked.Insert(at, "<a href=\"", "https://u", "\">u</a>");
        Assert.Equal("<body><p>Jane</p>gold<a href=\"https://u\">u</a></body>", inserted.Html);
        Assert.Equal(["Jane", "gold", "https://u"], inserted.Starts.Select((s, i) => inserted.Html.Substring(s, inserted.Lengths[i])));
    }

    [Fact]
    public void Find_MoreShapesThanKept_ScansTheRestWhole()
    {
        var compiled = new TemplateCompiler().Compile(new TemplateDefinition("t", "s", "<ul>{{#each products}}<li>{{this}}</li>{{/each}}</ul>", null));
        var found = 0;
        for (var n = 1; n <= HtmlScanner.HtmlPlans.MaxShapes + 6; n++)
        {
            var contact = Contact("n" + n, "N", "t", "c", "l", "x", [.. Enumerable.Range(0, n).Select(i => "p" + i)]);
            var marked = compiled.Render(contact, contact.Address, Unsubscribe, "Europe/Paris", generateText: false, markValues: true).Marked!;
            found += compiled.HtmlPlans.Find(marked, true, true) is null ? 0 : 1;
        }

        Assert.Equal(HtmlScanner.HtmlPlans.MaxShapes, compiled.HtmlPlans.Count);
        Assert.Equal(HtmlScanner.HtmlPlans.MaxShapes, found);
    }

    [Fact]
    public void Replay_FixedHrefsUnderTwoTrackingBases_GivesEachBasesFullScan()
    {
        // A link with no value in its href is decoded and checked once for the shape, and again for another tracking base.
        var compiled = new TemplateCompiler().Compile(new TemplateDefinition(
            "fixed", "s", "<html><body><p>{{first_name}} <a href=\"https://t.example.com/x\">x</a> <a href=\" https://shop.example.com/s?a=1&amp;b=2 \">s</a></p></body></html>", null));
        var replays = 0;
        foreach (var trackingBase in (string[])[Base, "https://other.example.com", Base])
        {
            foreach (var contact in Contacts)
            {
                var marked = compiled.Render(contact, contact.Address, Unsubscribe, "Europe/Paris", generateText: false, markValues: true).Marked!;
                var full = HtmlScanner.TryRewrite(marked.Html, Click, Pixel, trackingBase, withText: true);
                if (compiled.HtmlPlans.Find(marked, withText: true, wantsPixel: true)?.Replay(marked, Click, Pixel, trackingBase, withText: true) is { } replayed)
                {
                    replays++;
                    AssertSame(full!, replayed, $"{trackingBase}, {contact.Address}");
                    Assert.Equal(trackingBase == Base ? ["https://shop.example.com/s?a=1&b=2"] : ["https://t.example.com/x", "https://shop.example.com/s?a=1&b=2"], replayed.Links.Keys);
                }
            }
        }

        Assert.True(replays >= 3 * 4, $"{replays} replays"); // most recipients replay under each base
    }

    private static void AssertSame(TrackedHtml expected, TrackedHtml actual, string what)
    {
        Assert.True(expected.Html == actual.Html, $"HTML differs ({what}):\n{expected.Html}\n---\n{actual.Html}");
        Assert.True(expected.Text == actual.Text, $"text differs ({what}):\n{expected.Text}\n---\n{actual.Text}");
        Assert.Equal(expected.Links.OrderBy(l => l.Value), actual.Links.OrderBy(l => l.Value));
        Assert.Equal(expected.OptedOut.Order(StringComparer.Ordinal), actual.OptedOut.Order(StringComparer.Ordinal));
    }

    private static string Click(int index, string target) => $"{Base}/c/{index}/{target.Length}?q=\"&";

    private static ContactInfo Contact(string id, string first, string tier, string code, string link, string note, string[] products) =>
        TestComposer.Contact(
            id + "@example.net",
            ("first_name", AttributeValue.Of(first)),
            ("tier", AttributeValue.Of(tier)),
            ("code", AttributeValue.Of(code)),
            ("link", AttributeValue.Of(link)),
            ("note", AttributeValue.Of(note)),
            ("products", AttributeValue.Of(products)));
}

using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MailMesh.Campaigns.Composition;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;

namespace MailMesh.Campaigns.Tests.Composition;

/// <summary>The composer's output for varied templates and recipients, fixed byte for byte: work on the composition
/// path (scanner, link sink, text writer, MIME writer) must leave every message as it was. Each case is the SHA-256 of
/// the unsigned message (its random MIME boundary replaced by a fixed one) with the rendered subject, HTML and text.</summary>
public sealed partial class ComposedOutputTests
{
    private static readonly ContactInfo Jane = TestComposer.Contact(
        "jane@example.net",
        ("first_name", AttributeValue.Of("Amélie")),
        ("tier", AttributeValue.Of("gold")),
        ("code", AttributeValue.Of("C1&2 \"q\"")),
        ("products", AttributeValue.Of(["kettle", "thé vert", "mug"])),
        ("total", AttributeValue.Of(1234.5)));

    private static readonly ContactInfo Bob = TestComposer.Contact(
        "bob@example.net", ("first_name", AttributeValue.Of("Bo <b>")), ("tier", AttributeValue.Of("bronze")), ("products", AttributeValue.Of(Array.Empty<string>())));

    private static readonly Dictionary<string, (string Html, string? Text)> Templates = new()
    {
        ["links-in-attributes"] = (
            """
            <html><head><title>Offers</title><style>p{color:red}</style></head><body>
            <p>Hi {{first_name}}, <a href="https://shop.example.com/p?c={{code}}&amp;x=1" class="btn">shop</a>
            <a href=" https://shop.example.com/a " data-mm-notrack>not tracked</a> <a href="mailto:help@example.com">help</a>
            <a href="#top">top</a> <a href="https://t.example.com/u/own">own</a> <img src="https://cdn.example.com/i.png" alt="Logo {{tier}}"></p>
            <map name="m"><area href="https://shop.example.com/area" alt="area"></map>
            <a HREF='https://shop.example.com/A?q=1'>upper</a> <a href=https://shop.example.com/bare>bare</a>
            </body></html>
            """, null),
        ["conditionals"] = (
            """
            <div>{{#if (eq tier "gold")}}<p>Free shipping, {{first_name}}.</p>{{else}}<p>Shipping from 50 EUR.</p>{{/if}}
            {{#unless products}}<p>Nothing yet: <a href="https://shop.example.com/new">new arrivals</a></p>{{/unless}}
            <p>Total: {{number total "N2"}} {{missing_field}}</p></div>
            """, null),
        ["per-recipient-blocks"] = (
            """
            <html><body><h1>Your picks</h1><ol>{{#each products}}<li><a href="https://shop.example.com/p/{{this}}?c={{../code}}">{{this}}</a></li>{{/each}}</ol>
            <table><tr><td>Tier</td><td>{{upper tier}}</td></tr><tr><th>Code</th><td>{{code}}</td></tr></table>
            <ul>{{#each products}}<li>{{@index}}: {{this}}</li>{{/each}}</ul></body></html>
            """, null),
        ["non-ascii"] = (
            """
            <p>Grüße, {{first_name}} — 日本 😀 &eacute;t&eacute; &nbsp;&amp; &lt;tag&gt; &#x263A; &#169;</p>
            <p><a href="https://shop.example.com/é?q=ü">Café</a> <a href="https://xn--bcher-kva.example/ß">Bücher</a></p>
            <pre>  line one
              line  two</pre><p>after<br>break</p><hr><blockquote>quoted {{tier}}</blockquote>
            """, null),
        ["text-part-given"] = (
            """<p>Hello {{first_name}} <a href="https://shop.example.com/a">shop</a></p>""",
            "Hello {{first_name}}, visit https://shop.example.com/a or https://shop.example.com/b. (https://shop.example.com/c)\nBye ü\n"),
        ["malformed"] = (
            """<p>Unclosed <b>bold <i>both</b> and <table><td>cell <a href="https://shop.example.com/m">m</a></table><p>{{first_name}}""", null),
    };

    [Fact]
    public void Preview_VariedTemplatesAndRecipients_GivesTheFixedOutput()
    {
        var test = new TestComposer();
        var actual = new StringBuilder();
        foreach (var (name, (html, text)) in Templates)
        {
            foreach (var (contact, track) in new[] { (Jane, true), (Bob, true), (Jane, false) })
            {
                var request = TestComposer.Request(html, contact, text, track, recipient: contact.Address);
                actual.Append(name).Append(' ').Append(contact.Address).Append(track ? " tracked " : " plain ").Append(Digest(test.Composer.Preview(request))).Append('\n');
            }
        }

        Assert.Equal(Expected, actual.ToString());
    }

    private static string Digest(TemplatePreview preview)
    {
        var message = preview.Mime;
        var boundary = Boundary().Match(message);
        if (boundary.Success)
        {
            message = message.Replace(boundary.Groups[1].Value, "BOUNDARY", StringComparison.Ordinal);
        }

        var all = string.Join('\0', preview.Subject, preview.Html ?? "", preview.Text, string.Join(',', preview.MissingFields), message);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(all)))[..16];
    }

    [GeneratedRegex("boundary=\"([^\"]+)\"")]
    private static partial Regex Boundary();

    private const string Expected = """
        links-in-attributes jane@example.net tracked dbcdb7b952dafd72
        links-in-attributes bob@example.net tracked eb61324cc1eb2912
        links-in-attributes jane@example.net plain 445f3684ca75a4b2
        conditionals jane@example.net tracked ba8983eb9dc42eb0
        conditionals bob@example.net tracked ec62cf1a59dd71a8
        conditionals jane@example.net plain 6e3d6db5856e7f51
        per-recipient-blocks jane@example.net tracked d62f0037061d1126
        per-recipient-blocks bob@example.net tracked 0eb8cc869496a55c
        per-recipient-blocks jane@example.net plain 461ff2d3e7d89a48
        non-ascii jane@example.net tracked edb2ce2b74bc83c6
        non-ascii bob@example.net tracked cd3921f576e46ce6
        non-ascii jane@example.net plain bea8822e768366d1
        text-part-given jane@example.net tracked 8c0c8e1fd5d90612
        text-part-given bob@example.net tracked 9caab0318feab691
        text-part-given jane@example.net plain caa658ca37717e74
        malformed jane@example.net tracked 89938350245d1d3a
        malformed bob@example.net tracked 7adf09fb7549755e
        malformed jane@example.net plain 0f81ff2a1871e6cf

        """;
}

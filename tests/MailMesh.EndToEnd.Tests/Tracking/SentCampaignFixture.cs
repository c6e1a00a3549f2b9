using MailMesh.EndToEnd.Tests.Support;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Testing;

namespace MailMesh.EndToEnd.Tests.Tracking;

/// <summary>One silo host and one campaign ("spring") sent through it into the aiosmtpd capture server, shared by the
/// tracking tests (each test works on its own recipients). Five recipients on list "news"; eve is suppressed before
/// sending. Nothing starts when the capture server is not reachable: the tests then skip through [ServerFact].</summary>
public sealed class SentCampaignFixture : IAsyncLifetime
{
    public const string CampaignId = "spring";

    public string Tag { get; } = "e2e" + Guid.NewGuid().ToString("N")[..10];

    public EndToEndSilo Silo { get; private set; } = null!;

    public CampaignInfo Campaign { get; private set; } = null!;

    /// <summary>The messages the capture server holds for this campaign's recipients, by recipient.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<SentMessage>> Sent { get; private set; } = null!;

    public string Ann => Address("ann");

    public string Bob => Address("bob");

    public string Cid => Address("cid");

    public string Dee => Address("dee");

    public string Eve => Address("eve");

    public string Fay => Address("fay");

    /// <summary>Everyone the campaign mails (all but eve).</summary>
    public IReadOnlyList<string> Mailed => [Ann, Bob, Cid, Dee, Fay];

    /// <summary>Each contact's first name, customer code and tier (cid has no first name).</summary>
    public IReadOnlyDictionary<string, (string? FirstName, string Code, string Tier)> People => new Dictionary<string, (string?, string, string)>
    {
        [Ann] = ("Ann", "C-100", "gold"),
        [Bob] = ("Bob", "C-200", "bronze"),
        [Cid] = (null, "C-300", "bronze"),
        [Dee] = ("Dee", "C-400", "gold"),
        [Eve] = ("Eve", "C-500", "gold"),
        [Fay] = ("Fay", "C-600", "bronze"),
    };

    public static TemplateDefinition Template { get; } = new(
        "spring",
        "{{default first_name \"Friend\"}}, spring picks for {{customer_code}}",
        """
        <html><body>
        <p>Hello {{default first_name "friend"}}, your customer code is {{customer_code}}.</p>
        {{#if (eq tier "gold")}}<p><a href="https://shop.example/gold?code={{customer_code}}&amp;utm=mail">Gold lounge</a></p>{{else}}<p><a href="https://shop.example/offers?tier=standard">Standard offers</a></p>{{/if}}
        <p><a href="https://shop.example/spring">Spring sale</a> | <a href="mailto:help@shop.example">Write to us</a> | <a href="#top">Top</a> | <a href="https://shop.example/privacy" data-mm-notrack>Privacy</a></p>
        </body></html>
        """,
        null);

    public string Address(string local) => $"{local}@{Tag}.example";

    public async Task InitializeAsync()
    {
        if (!TestServers.IsReachable(Server.SmtpCapture))
        {
            return;
        }

        Silo = await EndToEndSilo.StartAsync();
        await Silo.SeedAsync(
            People.Select(p => (p.Key, (IReadOnlyDictionary<string, AttributeValue?>)new Dictionary<string, AttributeValue?>
            {
                ["first_name"] = p.Value.FirstName is null ? null : AttributeValue.Of(p.Value.FirstName),
                ["customer_code"] = AttributeValue.Of(p.Value.Code),
                ["tier"] = AttributeValue.Of(p.Value.Tier),
            })),
            Template);
        await Silo.Contact(Eve).Suppress(SuppressionReason.Manual, "asked by phone");
        Campaign = await Silo.SendCampaignAsync(CampaignId, Template.Name);
        Sent = await SentMessage.CollectAsync(Tag, Mailed);
    }

    /// <summary>The one message <paramref name="recipient"/> got.</summary>
    public SentMessage MessageTo(string recipient) =>
        Sent.TryGetValue(recipient, out var messages) && messages.Count == 1
            ? messages[0]
            : throw new InvalidOperationException($"{recipient} got {(messages is null ? 0 : messages.Count)} messages, not one.");

    public async Task DisposeAsync()
    {
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
    }
}

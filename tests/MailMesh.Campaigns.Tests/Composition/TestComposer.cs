using MailMesh.Campaigns.Composition;
using MailMesh.Campaigns.Dkim;
using MailMesh.Campaigns.Links;
using MailMesh.Campaigns.Templates;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using Microsoft.Extensions.Options;

namespace MailMesh.Campaigns.Tests.Composition;

/// <summary>A composer with a tracking key, an RSA DKIM key for example.com and the return-path domain
/// bounces.example.com.</summary>
internal sealed class TestComposer
{
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    public TestComposer(DkimSignerSet? dkim = null)
    {
        Codec = new TrackingTokenCodec(new TrackingKeyRing(new Dictionary<byte, byte[]> { [1] = Enumerable.Repeat((byte)42, 32).ToArray() }, 1), TimeSpan.FromDays(365));
        Urls = new TrackingUrls("https://t.example.com", Codec);
        Signer = Dkim.DkimSignerTests.RsaSigner("example.com");
        Composer = new CampaignMessageComposer(
            new TemplateCompiler(), Urls, dkim ?? new DkimSignerSet([Signer]),
            Options.Create(new CompositionOptions { ReturnPathDomain = "bounces.example.com", ListIdDomain = "lists.example.com" }));
    }

    public TrackingTokenCodec Codec { get; }

    public TrackingUrls Urls { get; }

    public DkimSigner Signer { get; }

    public CampaignMessageComposer Composer { get; }

    public static ContactInfo Contact(string address = "jane@example.net", params (string Name, AttributeValue Value)[] attributes) =>
        new("acme", address, address, attributes.ToDictionary(a => a.Name, a => a.Value), ["newsletter"], [], [], new ContactEngagement(), false,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1);

    public static ComposeRequest Request(string html, ContactInfo? contact = null, string? text = null, bool track = true, string recipient = "jane@example.net", string from = "news@example.com") =>
        new("acme", "spring-sale", new TemplateDefinition("spring", "Hello {{default first_name \"there\"}}", html, text), new CampaignSender(from, "Example Shop"),
            contact, recipient, "newsletter", SendId.For("acme", "spring-sale", recipient), "Europe/Paris", Now, track);
}

using MailMesh.EndToEnd.Tests.Support;
using MailMesh.Grains.Campaigns;
using MailMesh.Testing;

namespace MailMesh.EndToEnd.Tests.Tracking;

/// <summary>The sending half: what the capture server got from a campaign sent through the silo host, parsed back with
/// the project's MIME parser.</summary>
[Collection(SentCampaignCollection.Name)]
public sealed class CampaignSendTests(SentCampaignFixture campaign)
{
    [ServerFact(Server.SmtpCapture)]
    public async Task SendCampaign_ThroughTheSiloHost_EveryRecipientButTheSuppressedGetsExactlyOneMessage()
    {
        Assert.Equal(campaign.Mailed.Order(StringComparer.Ordinal), campaign.Sent.Keys.Order(StringComparer.Ordinal));
        Assert.All(campaign.Sent, s => Assert.True(s.Value.Count == 1, $"{s.Key} got {s.Value.Count} messages"));
        Assert.False(campaign.Sent.ContainsKey(campaign.Eve), "the contact suppressed before sending was mailed");
        var progress = campaign.Campaign.Progress;
        Assert.Equal((6L, 5L, 1L, 0L), (progress.Planned, progress.Sent, progress.Suppressed, progress.Failed));

        var sent = await campaign.Silo.EventsAsync("message.sent", EndToEndSilo.Tenant + "/" + SentCampaignFixture.CampaignId);
        Assert.Equal(campaign.Mailed.Order(StringComparer.Ordinal), sent.Select(e => EndToEndSilo.Payload(e, "contact")!).Order(StringComparer.Ordinal));
        foreach (var e in sent)
        {
            var recipient = EndToEndSilo.Payload(e, "contact")!;
            Assert.Equal(campaign.MessageTo(recipient).Parsed.MessageId, EndToEndSilo.Payload(e, "message_id"));
        }
    }

    [ServerFact(Server.SmtpCapture)]
    public void SendCampaign_ThroughTheSiloHost_EachMessageIsPersonalizedForItsRecipient()
    {
        foreach (var recipient in campaign.Mailed)
        {
            var (firstName, code, tier) = campaign.People[recipient];
            var message = campaign.MessageTo(recipient);
            var to = Assert.Single(message.Parsed.To.Mailboxes);
            Assert.Equal(recipient, to.Address, StringComparer.OrdinalIgnoreCase);
            Assert.Equal($"{firstName ?? "Friend"}, spring picks for {code}", message.Parsed.Subject);
            Assert.NotNull(message.Html);
            Assert.Contains($"Hello {firstName ?? "friend"}, your customer code is {code}.", message.Html, StringComparison.Ordinal);
            Assert.Contains($"Hello {firstName ?? "friend"}, your customer code is {code}.", message.Text, StringComparison.Ordinal);
            var texts = message.Links.Select(l => l.Text).ToList();
            if (tier == "gold")
            {
                Assert.Contains("Gold lounge", texts);
                Assert.DoesNotContain("Standard offers", texts);
            }
            else
            {
                Assert.Contains("Standard offers", texts);
                Assert.DoesNotContain("Gold lounge", texts);
            }
        }
    }

    [ServerFact(Server.SmtpCapture)]
    public void SendCampaign_ThroughTheSiloHost_LinksArePixelAndUnsubscribeAreSignedPerRecipient()
    {
        var trackingBase = campaign.Silo.TrackingBase.GetLeftPart(UriPartial.Authority);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var recipient in campaign.Mailed)
        {
            var message = campaign.MessageTo(recipient);
            var sendId = SendId.For(EndToEndSilo.Tenant, SentCampaignFixture.CampaignId, recipient).ToString();
            Assert.Equal($"bounces+{sendId}@bounces.shop.example", message.MailFrom);
            Assert.StartsWith(sendId + "." + SentCampaignFixture.CampaignId + "@", message.Parsed.MessageId, StringComparison.Ordinal);
            Assert.Equal("List-Unsubscribe=One-Click", message.Parsed.Headers["List-Unsubscribe-Post"]);
            Assert.StartsWith(trackingBase + "/u/", message.ListUnsubscribeUrl, StringComparison.Ordinal);
            Assert.Equal(message.ListUnsubscribeUrl, message.Link("Unsubscribe").Href);
            Assert.StartsWith(trackingBase + "/c/", message.Link("Spring sale").Href, StringComparison.Ordinal);
            Assert.Contains(message.Link("Spring sale").Href, message.Text, StringComparison.Ordinal);
            Assert.StartsWith(trackingBase + "/o/", message.Pixel, StringComparison.Ordinal);
            Assert.EndsWith(".gif", message.Pixel, StringComparison.Ordinal);
            // Left alone: mailto, an anchor, and a link that opted out (its marker attribute removed).
            Assert.Equal("mailto:help@shop.example", message.Link("Write to us").Href);
            Assert.Equal("#top", message.Link("Top").Href);
            Assert.Equal("https://shop.example/privacy", message.Link("Privacy").Href);
            Assert.DoesNotContain("data-mm-notrack", message.Html, StringComparison.Ordinal);
            // Every tracked URL is this recipient's own.
            Assert.True(seen.Add(message.Link("Spring sale").Href), $"{recipient} got another recipient's click URL");
            Assert.True(seen.Add(message.Pixel!), $"{recipient} got another recipient's pixel");
            Assert.True(seen.Add(message.ListUnsubscribeUrl), $"{recipient} got another recipient's unsubscribe URL");
        }
    }
}

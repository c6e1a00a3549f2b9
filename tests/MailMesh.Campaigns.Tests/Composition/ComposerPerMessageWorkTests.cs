using System.Text;
using MailMesh.Campaigns.Composition;
using MailMesh.Campaigns.Links;
using MailMesh.Campaigns.Templates;
using MailMesh.Grains.Campaigns;
using MailMesh.Mime;
using MailMesh.Mime.Addresses;
using MailMesh.Mime.Writing;
using Microsoft.Extensions.Options;

namespace MailMesh.Campaigns.Tests.Composition;

/// <summary>What the composer keeps per campaign or makes in one buffer gives the message it gave when each piece was
/// made on its own (ADR campaigns-16).</summary>
public sealed class ComposerPerMessageWorkTests
{
    private readonly TestComposer _test = new();

    [Fact]
    public void Preview_TextWithoutUnsubscribeUrl_EndsWithOneFooterAfterItsTrackedLink()
    {
        var request = TestComposer.Request(null!, text: "See https://shop.example.com/x?a=1.\n\n\n") with
        {
            Template = new TemplateDefinition("spring", "Hello", null, "See https://shop.example.com/x?a=1.\n\n\n"),
        };

        var text = _test.Composer.Preview(request).Text;

        var claims = Claims(request);
        var unsubscribe = _test.Urls.Unsubscribe(claims, request.List);
        var click = _test.Urls.Click(claims, 0, "https://shop.example.com/x?a=1");
        Assert.Equal($"See {click}.\n\n-- \nUnsubscribe: {unsubscribe}\n", text);
    }

    [Fact]
    public void Preview_FooterTextWithAUrl_TracksThatUrlToo()
    {
        var composer = Composer(new CompositionOptions
        {
            ReturnPathDomain = "bounces.example.com", UnsubscribeText = "Leave (why: https://example.org/why)",
        });
        var request = TestComposer.Request(null!) with { Template = new TemplateDefinition("spring", "Hello", null, "Hi https://shop.example.com/a\n") };

        var text = composer.Preview(request).Text;

        var claims = Claims(request);
        Assert.Equal(
            $"Hi {_test.Urls.Click(claims, 0, "https://shop.example.com/a")}\n\n-- \nLeave (why: {_test.Urls.Click(claims, 1, "https://example.org/why")}): " +
            $"{_test.Urls.Unsubscribe(claims, request.List)}\n",
            text);
    }

    [Fact]
    public void Preview_TextShowingTheUnsubscribeUrl_GetsNoFooter()
    {
        var request = TestComposer.Request("<p><a href=\"{{unsubscribe_url}}\">Leave</a> or <a href=\"https://shop.example.com/a\">shop</a></p>");

        var preview = _test.Composer.Preview(request);

        Assert.DoesNotContain("\n-- \n", preview.Text, StringComparison.Ordinal);
        Assert.Contains(_test.Urls.Unsubscribe(Claims(request), request.List), preview.Text, StringComparison.Ordinal);
        Assert.Contains(_test.Urls.Click(Claims(request), 0, "https://shop.example.com/a"), preview.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposeAsync_TwoSendersInTurnsInOneCampaign_EachMessageHasItsOwnFromAndReplyTo()
    {
        var senders = new[]
        {
            new CampaignSender("news@example.com", "Example Shop"),
            new CampaignSender("offers@example.com", "Zoë's Offers", "help@example.com"),
        };
        for (var i = 0; i < 4; i++)
        {
            var sender = senders[i % 2];
            var composed = await _test.Composer.ComposeAsync(TestComposer.Request("<p>x</p>") with { Sender = sender });

            var message = MimeMessage.Parse(composed.Content.ToArray());
            var from = Assert.Single(message.From.Mailboxes);
            Assert.Equal((sender.FromAddress, sender.FromName), (from.Address, from.Name));
            Assert.Equal(sender.ReplyTo, message.ReplyTo.Mailboxes.SingleOrDefault()?.Address);
        }
    }

    [Theory]
    [InlineData("jane@example.net", false)]
    [InlineData("Jane.Doe@EXAMPLE.net", false)]
    [InlineData("zoe@exämple.com", false)]
    [InlineData("zoé@exämple.com", true)]
    [InlineData("a(b)@example.net", false)]
    public async Task ComposeAsync_To_IsWhatTheMailboxWritesForTheRecipient(string recipient, bool international)
    {
        // A contact spelled as the recipient: its address is taken as stored, so an unusual local part reaches the header.
        var composed = await _test.Composer.ComposeAsync(TestComposer.Request("<p>x</p>", TestComposer.Contact(recipient), recipient: recipient));

        var at = recipient.LastIndexOf('@');
        var domain = new System.Globalization.IdnMapping().GetAscii(recipient[(at + 1)..]).ToLowerInvariant();
        var expected = new MailboxAddress(string.Empty, recipient[..at] + "@" + (international ? recipient[(at + 1)..] : domain))
            .ToHeaderString(new FormatOptions { International = international });
        Assert.Equal(international, composed.RequiresSmtpUtf8);
        Assert.Contains($"\r\nTo: {expected}\r\n", Encoding.UTF8.GetString(composed.Content.Span), StringComparison.Ordinal);
    }

    private static TrackingClaims Claims(ComposeRequest request) =>
        new(TrackingKind.Open, request.Tenant, request.CampaignId, request.Recipient, request.Now, List: request.List);

    private CampaignMessageComposer Composer(CompositionOptions options) =>
        new(new TemplateCompiler(), _test.Urls, new Campaigns.Dkim.DkimSignerSet([_test.Signer]), Options.Create(options));
}

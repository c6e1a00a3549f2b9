using MailMesh.EndToEnd.Tests.Support;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;
using MailMesh.Testing;

namespace MailMesh.EndToEnd.Tests.Bounces;

/// <summary>The bounce tests share one silo host, one sent campaign and one Dovecot-backed bounce mailbox; they run one
/// after another and each works on its own recipients.</summary>
[CollectionDefinition(Name)]
public sealed class BounceMailboxCollection : ICollectionFixture<BounceMailboxFixture>
{
    public const string Name = "Bounces delivered into a Dovecot mailbox the silo syncs";
}

/// <summary>Mail returned for a sent campaign, delivered into the Dovecot folder behind the bounce mailbox, synced by
/// the mailbox grain over IMAP and processed by the silo's bounce reader.</summary>
[Collection(BounceMailboxCollection.Name)]
public sealed class BounceMailboxTests(BounceMailboxFixture fixture)
{
    [ServerFact(Server.SmtpCapture, Server.Dovecot)]
    public async Task HardBounceDsn_DeliveredToTheBounceMailbox_SuppressesTheContactAsHardBounced()
    {
        var sent = fixture.MessageTo("hard");

        await fixture.DeliverAsync(ReturnedMail.Dsn(sent, "5.1.1", $"550 5.1.1 <{sent.Recipient}>: Recipient address rejected: User unknown in local recipient table"));

        var contact = await fixture.Silo.ContactAsync(sent.Recipient);
        var suppression = Assert.Single(contact!.Suppressions);
        Assert.Equal(("*", SuppressionReason.HardBounced), (suppression.Scope, suppression.Reason));
        Assert.Contains("5.1.1", suppression.Detail, StringComparison.Ordinal);
        Assert.False(contact.Mailable);
        var bounced = Assert.Single(await fixture.Silo.ContactEventsAsync(sent.Recipient, "message.bounced"));
        Assert.Equal("hard", EndToEndSilo.Payload(bounced, "type"));
        Assert.Equal("user_unknown", EndToEndSilo.Payload(bounced, "reason"));
        Assert.Equal(BounceMailboxFixture.CampaignId, EndToEndSilo.Payload(bounced, "campaignId"));
        Assert.Equal(SendId.For(EndToEndSilo.Tenant, BounceMailboxFixture.CampaignId, sent.Recipient).ToString(), EndToEndSilo.Payload(bounced, "sendId"));
        var suppressed = Assert.Single(await fixture.Silo.ContactEventsAsync(sent.Recipient, "contact.suppressed"));
        Assert.Equal("hard_bounced", EndToEndSilo.Payload(suppressed, "reason"));
        var ledger = await Ledger(sent.Recipient).Get();
        Assert.Equal((1, 0, 0), (ledger!.HardBounces, ledger.SoftBounces, ledger.Complaints));
        var bouncedSegment = await Segments().Preview("bounced", 100);
        Assert.Contains(sent.Recipient, bouncedSegment.Sample, StringComparer.OrdinalIgnoreCase);
    }

    [ServerFact(Server.SmtpCapture, Server.Dovecot)]
    public async Task SoftBounceDsns_DeliveredTwice_AreCountedAndTheSecondReachesTheLimitAndSuppresses()
    {
        var sent = fixture.MessageTo("soft");

        await fixture.DeliverAsync(ReturnedMail.Dsn(sent, "4.2.2", $"452 4.2.2 <{sent.Recipient}>: Mailbox full, user is over quota"));

        var first = Assert.Single(await fixture.Silo.ContactEventsAsync(sent.Recipient, "message.bounced"));
        Assert.Equal(("soft", "mailbox_full", "1"), (EndToEndSilo.Payload(first, "type"), EndToEndSilo.Payload(first, "reason"), EndToEndSilo.Payload(first, "softBouncesInWindow")));
        Assert.Equal((0, 1), ((await Ledger(sent.Recipient).Get())!.HardBounces, (await Ledger(sent.Recipient).Get())!.SoftBounces));
        Assert.True((await fixture.Silo.ContactAsync(sent.Recipient))!.Mailable, "one soft bounce suppressed the contact (the limit is 2)");
        Assert.Empty(await fixture.Silo.ContactEventsAsync(sent.Recipient, "contact.suppressed"));

        await fixture.DeliverAsync(ReturnedMail.Dsn(sent, "4.2.2", $"452 4.2.2 <{sent.Recipient}>: Mailbox full, user is over quota"));

        var bounced = await fixture.Silo.ContactEventsAsync(sent.Recipient, "message.bounced");
        Assert.Equal(["1", "2"], bounced.Select(e => EndToEndSilo.Payload(e, "softBouncesInWindow")));
        Assert.Equal(2, (await Ledger(sent.Recipient).Get())!.SoftBounces);
        var contact = (await fixture.Silo.ContactAsync(sent.Recipient))!;
        Assert.False(contact.Mailable);
        Assert.Contains("2 soft bounces", Assert.Single(contact.Suppressions).Detail, StringComparison.Ordinal);
        Assert.Single(await fixture.Silo.ContactEventsAsync(sent.Recipient, "contact.suppressed"));
    }

    [ServerFact(Server.SmtpCapture, Server.Dovecot)]
    public async Task AutoReply_DeliveredToTheBounceMailbox_IsNotTreatedAsABounce()
    {
        var sent = fixture.MessageTo("away");
        var reply = ReturnedMail.AutoReply(sent);

        await fixture.DeliverAsync(reply);

        Assert.Empty(await fixture.Silo.ContactEventsAsync(sent.Recipient, "message.bounced"));
        Assert.Empty(await fixture.Silo.ContactEventsAsync(sent.Recipient, "contact.suppressed"));
        Assert.Null(await Ledger(sent.Recipient).Get());
        var contact = (await fixture.Silo.ContactAsync(sent.Recipient))!;
        Assert.Empty(contact.Suppressions);
        var review = await fixture.Silo.Bounces.ListReviewAsync(EndToEndSilo.Tenant, 1000);
        Assert.DoesNotContain(review, r => r.Subject is not null && r.Subject.Contains(sent.Parsed.Subject!, StringComparison.Ordinal));
    }

    [ServerFact(Server.SmtpCapture, Server.Dovecot)]
    public async Task UnclassifiableMessage_DeliveredToTheBounceMailbox_IsKeptOnTheReviewList()
    {
        var sent = fixture.MessageTo("fine");
        var subject = "Question about opening hours " + fixture.Tag;

        await fixture.DeliverAsync(ReturnedMail.Unclassifiable(sent.MailFrom, subject));

        var review = await fixture.Silo.Bounces.ListReviewAsync(EndToEndSilo.Tenant, 1000);
        var item = Assert.Single(review, r => r.Subject == subject);
        Assert.Equal("unclassified", item.Problem);
        Assert.Equal("mailbox:" + BounceMailboxFixture.MailboxKey, item.Source);
        Assert.False(string.IsNullOrEmpty(item.Blob), "the review item does not point at the stored message");
        Assert.Empty(await fixture.Silo.ContactEventsAsync(sent.Recipient, "message.bounced"));
        Assert.Empty((await fixture.Silo.ContactAsync(sent.Recipient))!.Suppressions);
    }

    [ServerFact(Server.SmtpCapture, Server.Dovecot)]
    public async Task ArfComplaint_DeliveredToTheBounceMailbox_MarksTheContactComplainedAndSuppressed()
    {
        var sent = fixture.MessageTo("complains");

        await fixture.DeliverAsync(ReturnedMail.Complaint(sent, BounceMailboxFixture.FeedbackAddress));

        var contact = (await fixture.Silo.ContactAsync(sent.Recipient))!;
        var suppression = Assert.Single(contact.Suppressions);
        Assert.Equal(("*", SuppressionReason.Complained), (suppression.Scope, suppression.Reason));
        Assert.False(contact.Mailable);
        var complained = Assert.Single(await fixture.Silo.ContactEventsAsync(sent.Recipient, "message.complained"));
        Assert.Equal(("abuse", BounceMailboxFixture.CampaignId), (EndToEndSilo.Payload(complained, "feedbackType"), EndToEndSilo.Payload(complained, "campaignId")));
        var suppressed = Assert.Single(await fixture.Silo.ContactEventsAsync(sent.Recipient, "contact.suppressed"));
        Assert.Equal("complained", EndToEndSilo.Payload(suppressed, "reason"));
        Assert.Empty(await fixture.Silo.ContactEventsAsync(sent.Recipient, "message.bounced"));
        Assert.Equal(1, (await Ledger(sent.Recipient).Get())!.Complaints);
        Assert.Contains(sent.Recipient, (await Segments().Preview("complained", 100)).Sample, StringComparer.OrdinalIgnoreCase);
    }

    private IBounceLedgerGrain Ledger(string address) => fixture.Silo.Grains.GetGrain<IBounceLedgerGrain>(BounceKeys.Contact(EndToEndSilo.Tenant, address));

    private ISegmentDirectoryGrain Segments() => fixture.Silo.Grains.GetGrain<ISegmentDirectoryGrain>(EndToEndSilo.Tenant + "/segments");
}

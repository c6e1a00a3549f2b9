using MailMesh.Engagement.Bounces;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Bounces;

public sealed class BounceClassifierTests
{
    private const string ReturnPath = "bounces+abcdefghijklmnopqrsq@bounces.shop.example.com";

    private static BounceClassification Classify(string text) => BounceClassifier.Classify(BounceSamples.Bytes(text));

    [Fact]
    public void Classify_PostfixDsnUserUnknown_IsHardWithRecipientStatusAndOriginal()
    {
        var c = Classify(BounceSamples.PostfixDsn("jane@example.org", ReturnPath, messageId: "m1@shop.example.com"));

        Assert.Equal("dsn", c.Format);
        Assert.Equal(BounceKind.HardBounce, c.Kind);
        var r = Assert.Single(c.Recipients);
        Assert.Equal(BounceReason.UserUnknown, r.Reason);
        Assert.Equal("jane@example.org", r.Recipient);
        Assert.Equal("5.1.1", r.Status);
        Assert.Equal(550, r.ReplyCode);
        Assert.Contains("User unknown", r.Diagnostic, StringComparison.Ordinal);
        Assert.Equal("m1@shop.example.com", c.Original.MessageId);
        Assert.Equal(ReturnPath, c.Original.ReturnPath);
        Assert.Equal("spring", c.Original.Headers["X-Campaign"]);
    }

    [Fact]
    public void Classify_PostfixDsnMailboxFull_IsSoft()
    {
        var c = Classify(BounceSamples.PostfixDsn("jane@example.org", ReturnPath, "5.2.2", "552 5.2.2 <{0}>: Mailbox full"));

        Assert.Equal(BounceKind.SoftBounce, c.Kind);
        Assert.Equal(BounceReason.MailboxFull, c.Recipients[0].Reason);
    }

    [Fact]
    public void Classify_DelayedDsn_IsSoftExpired()
    {
        var c = Classify(BounceSamples.PostfixDsn("jane@example.org", ReturnPath, "4.4.1", "connect to mail.example.org[192.0.2.10]:25: Connection timed out", "delayed"));

        Assert.Equal(BounceKind.SoftBounce, c.Kind);
        Assert.Equal(BounceReason.Expired, c.Recipients[0].Reason);
        Assert.Equal("delayed", c.Recipients[0].Action);
    }

    [Fact]
    public void Classify_BlockListedDsn_IsSoftBlocked()
    {
        var c = Classify(BounceSamples.PostfixDsn("jane@example.org", ReturnPath, "5.7.1", "554 5.7.1 Service unavailable; Client host [192.0.2.5] blocked using zen.spamhaus.org"));

        Assert.Equal(BounceKind.SoftBounce, c.Kind);
        Assert.Equal(BounceReason.Blocked, c.Recipients[0].Reason);
    }

    [Fact]
    public void Classify_EximUnknownUser_IsHardFromFailedRecipientsHeader()
    {
        var c = Classify(BounceSamples.EximText("bob@example.org", ReturnPath, "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown"));

        Assert.Equal("text", c.Format);
        var r = Assert.Single(c.Recipients);
        Assert.Equal(BounceKind.HardBounce, r.Kind);
        Assert.Equal(BounceReason.UserUnknown, r.Reason);
        Assert.Equal("bob@example.org", r.Recipient);
        Assert.Equal("5.1.1", r.Status);
        Assert.Equal(ReturnPath, c.Original.ReturnPath);
        Assert.Equal("original@example.com", c.Original.MessageId);
    }

    [Fact]
    public void Classify_EximSpamRejection_IsSoftSpam()
    {
        var c = Classify(BounceSamples.EximText("bob@example.org", ReturnPath, "550 5.7.1 Message rejected as spam by Content Filtering"));

        Assert.Equal(BounceKind.SoftBounce, c.Kind);
        Assert.Equal(BounceReason.SpamDetected, c.Recipients[0].Reason);
    }

    [Fact]
    public void Classify_QmailNoMailbox_IsHard()
    {
        var c = Classify(BounceSamples.Qmail("carol@example.org", "550 5.1.1 Sorry, no mailbox here by that name. (#5.1.1)"));

        var r = Assert.Single(c.Recipients);
        Assert.Equal(BounceKind.HardBounce, r.Kind);
        Assert.Equal("carol@example.org", r.Recipient);
    }

    [Fact]
    public void Classify_QmailOverQuota_IsSoftMailboxFull()
    {
        var c = Classify(BounceSamples.Qmail("carol@example.org", "552 5.2.2 Mailbox quota exceeded"));

        Assert.Equal(BounceKind.SoftBounce, c.Kind);
        Assert.Equal(BounceReason.MailboxFull, c.Recipients[0].Reason);
    }

    [Fact]
    public void Classify_SendmailTranscript_IsHardUserUnknown()
    {
        var c = Classify(BounceSamples.Sendmail("dave@example.org", "550 5.1.1 <dave@example.org>... User unknown"));

        var r = Assert.Single(c.Recipients);
        Assert.Equal(BounceKind.HardBounce, r.Kind);
        Assert.Equal(BounceReason.UserUnknown, r.Reason);
        Assert.Equal("dave@example.org", r.Recipient);
    }

    [Fact]
    public void Classify_GmailAddressNotFound_IsHard()
    {
        var c = Classify(BounceSamples.Gmail("erin@example.org"));

        var r = Assert.Single(c.Recipients);
        Assert.Equal(BounceKind.HardBounce, r.Kind);
        Assert.Equal(BounceReason.UserUnknown, r.Reason);
        Assert.Equal("erin@example.org", r.Recipient);
    }

    [Fact]
    public void Classify_Office365RecipientNotFound_IsHard()
    {
        var c = Classify(BounceSamples.Office365("frank@example.org", ReturnPath, "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup", "5.1.10"));

        Assert.Equal(BounceKind.HardBounce, c.Kind);
        Assert.Equal(BounceReason.UserUnknown, c.Recipients[0].Reason);
    }

    [Fact]
    public void Classify_Office365DmarcReject_IsSoftAuthFailure()
    {
        var c = Classify(BounceSamples.Office365("frank@example.org", ReturnPath, "550 5.7.509 Access denied, sending domain does not pass DMARC verification", "5.7.509"));

        Assert.Equal(BounceKind.SoftBounce, c.Kind);
        Assert.Equal(BounceReason.AuthFailure, c.Recipients[0].Reason);
    }

    [Fact]
    public void Classify_ArfAbuseReport_IsComplaintWithTypeAndRecipient()
    {
        var c = Classify(BounceSamples.Arf("gina@example.org", ReturnPath));

        Assert.Equal("arf", c.Format);
        var r = Assert.Single(c.Recipients);
        Assert.Equal(BounceKind.Complaint, r.Kind);
        Assert.Equal("abuse", r.FeedbackType);
        Assert.Equal("gina@example.org", r.Recipient);
        Assert.Equal(ReturnPath, c.Original.ReturnPath);
    }

    [Fact]
    public void Classify_VacationReply_IsAutoReplyNotBounce()
    {
        var c = Classify(BounceSamples.Vacation("henry@example.org"));

        Assert.Equal(BounceKind.AutoReply, c.Kind);
        Assert.Equal("henry@example.org", c.Recipients[0].Recipient);
    }

    [Fact]
    public void Classify_OrdinaryMessage_IsUnknown()
    {
        var c = Classify("""
            From: someone@example.org
            To: news@shop.example.com
            Subject: Question about my order

            Where is my parcel?
            """);

        Assert.Equal(BounceKind.Unknown, c.Kind);
        Assert.Empty(c.Recipients);
    }

    [Fact]
    public void Classify_GarbageBytes_AnswersWithoutThrowing()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);

        var c = BounceClassifier.Classify(bytes);

        Assert.NotNull(c);
    }

    [Theory]
    [InlineData("550 5.1.1 User unknown", "5.1.1", 550)]
    [InlineData("host 192.0.2.1 said: 451 4.7.1 Try again later", "4.7.1", 451)]
    [InlineData("connect to 5.5.5.5 port 25", null, 0)]
    public void StatusText_FindsCodesButNotAddresses_ReturnsThem(string text, string? status, int code)
    {
        Assert.Equal(status, StatusText.EnhancedStatus(text));
        Assert.Equal(code, StatusText.ReplyCode(text));
    }
}

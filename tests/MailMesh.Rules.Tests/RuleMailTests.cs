using System.Text;
using MailMesh.Rules.Replies;

namespace MailMesh.Rules.Tests;

public sealed class RuleMailTests
{
    [Fact]
    public void BuildVacationReply_Utf8Reason_Rfc3834HeadersNullSenderAndStableMessageId()
    {
        var reply = new VacationReply("ann@example.org", "Abwesend: Grüße", "Bin ab Montag zurück.", null, false, "orig.1@example.org");
        var now = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

        var first = RuleMail.BuildVacationReply(reply, "team@example.test", "seed", now);
        var again = RuleMail.BuildVacationReply(reply, "team@example.test", "seed", now.AddMinutes(5));
        var text = Encoding.UTF8.GetString(first.Content.Span);

        Assert.Equal("", first.EnvelopeFrom);
        Assert.Equal(["ann@example.org"], first.Recipients);
        Assert.Contains("Auto-Submitted: auto-replied", text, StringComparison.Ordinal);
        Assert.Contains("In-Reply-To: <orig.1@example.org>\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Subject: =?utf-8?B?", text, StringComparison.Ordinal);
        Assert.Contains("Content-Transfer-Encoding: base64", text, StringComparison.Ordinal);
        Assert.True(Ascii.IsValid(first.Content.Span), "the reply is 7-bit so any submission server takes it");
        var id = text.Split("\r\n").Single(l => l.StartsWith("Message-ID:", StringComparison.Ordinal));
        Assert.Contains(id, Encoding.UTF8.GetString(again.Content.Span), StringComparison.Ordinal);
    }
}

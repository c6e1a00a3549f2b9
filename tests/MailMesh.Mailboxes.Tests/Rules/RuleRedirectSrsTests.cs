using System.Text;
using System.Text.Json;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Rules;
using MailMesh.Mailboxes.Tests.Support;
using MailMesh.Rules.Replies;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests.Rules;

/// <summary>Redirects through the SMTP capture sink: the envelope sender is rewritten with SRS (and reverses to the
/// original sender); local and null senders are left alone.</summary>
[Collection(DovecotCollection.Name)]
public sealed class RuleRedirectSrsTests
{
    [ServerFact(Server.Dovecot, Server.SmtpCapture)]
    public async Task Sync_Redirect_EnvelopeSenderRewrittenWithSrs()
    {
        await using var account = await DovecotAccount.OpenAsync(DovecotAccount.Server.Bob);
        var tag = "s" + Guid.NewGuid().ToString("N")[..10];
        await using var silo = await RulesSilo.StartAsync();
        var key = "acme/srs-" + tag;
        var mailbox = silo.Grains.GetGrain<IMailboxGrain>(key);
        await mailbox.Create(new CreateMailbox(key, "bob@example.test"));
        await mailbox.ConfigureSource(account.Source("INBOX"));
        await silo.Observer.WaitForRunsAsync(key, 1);
        await silo.Rules(key).Upload(new UploadRuleScript($$"""
            if header :contains "subject" "{{tag}}" { redirect "team-{{tag}}@example.net"; }
            """, true, "test"));

        await account.Client.AppendAsync("INBOX", Message(tag, "foreign", "<Ann@Partner.example>"));
        await account.Client.AppendAsync("INBOX", Message(tag, "local", $"<desk@{RulesSilo.SrsDomain}>"));
        await account.Client.AppendAsync("INBOX", Message(tag, "bounce", "<>"));
        await mailbox.SyncNow();
        await silo.WaitForEventsAsync(key, e => e.Count(x => x.Type is "rule.applied" or "rule.failed") >= 3, "3 rule outcomes");

        var senders = Envelopes(tag);
        var rewriter = new SenderRewriter(new SrsOptions { Secrets = [RulesSilo.SrsSecret] });
        var foreign = senders["foreign"];
        Assert.Matches($"^SRS0=[A-Za-z0-9+/]{{4}}=[A-Z2-7]{{2}}=Partner.example=Ann@{RulesSilo.SrsDomain}$", foreign);
        Assert.Equal("Ann@Partner.example", rewriter.Reverse(foreign, DateTimeOffset.UtcNow));
        Assert.Equal($"desk@{RulesSilo.SrsDomain}", senders["local"]);
        Assert.Equal("<>", senders["bounce"]); // the sink writes the null reverse path as "<>"
    }

    private static byte[] Message(string tag, string kind, string returnPath) => Encoding.ASCII.GetBytes(
        $"Return-Path: {returnPath}\r\nFrom: someone@partner.example\r\nTo: bob@example.test\r\nSubject: {tag} {kind}\r\n" +
        $"Message-ID: <{kind}.{tag}@srs.test>\r\nContent-Type: text/plain\r\n\r\nForward me.\r\n");

    /// <summary>MAIL FROM of each captured redirect of this test, by kind.</summary>
    private static Dictionary<string, string> Envelopes(string tag)
    {
        var capture = TestServers.SmtpCapture;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(capture.NewMessagesDirectory))
        {
            var text = File.ReadAllText(file);
            var subject = text.Split("\r\n").FirstOrDefault(l => l.StartsWith($"Subject: {tag} ", StringComparison.Ordinal));
            if (subject is not null)
            {
                using var envelope = JsonDocument.Parse(File.ReadAllText(Path.Combine(capture.EnvelopesDirectory, Path.GetFileName(file) + ".json")));
                result[subject[$"Subject: {tag} ".Length..]] = envelope.RootElement.GetProperty("mail_from").GetString() ?? "";
            }
        }

        return result;
    }
}

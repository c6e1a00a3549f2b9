using System.Text;
using System.Text.Json;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Rules;
using MailMesh.Mailboxes.Tests.Support;
using MailMesh.Protocols.Imap;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests.Rules;

/// <summary>Rules on synced mail against Dovecot (bob's inbox) and the SMTP capture sink.</summary>
[Collection(DovecotCollection.Name)]
public sealed class MailboxRulesSyncTests
{
    private static byte[] Message(string tag, string subject, string from = "sender@example.org", string extraHeaders = "") => Encoding.ASCII.GetBytes(
        $"Return-Path: <{from}>\r\nFrom: {from}\r\nTo: bob@example.test\r\nSubject: {subject}\r\nMessage-ID: <{tag}.{Guid.NewGuid():N}@rules.test>\r\n{extraHeaders}" +
        "Content-Type: text/plain\r\n\r\nHello from the rules tests.\r\n");

    private static async Task<IMailboxGrain> CreateAsync(RulesSilo silo, string key, DovecotAccount account)
    {
        var mailbox = silo.Grains.GetGrain<IMailboxGrain>(key);
        await mailbox.Create(new CreateMailbox(key, "bob@example.test"));
        await mailbox.ConfigureSource(account.Source("INBOX"));
        await silo.Observer.WaitForRunsAsync(key, 1);
        return mailbox;
    }

    private static int Count(IEnumerable<EventRecord> events, string type, string tag) =>
        events.Count(e => e.Type == type && e.PayloadJson.Contains(tag, StringComparison.Ordinal));

    [ServerFact(Server.Dovecot, Server.SmtpCapture)]
    public async Task Sync_NewMail_FileIntoCreateFlagsAndVacationAppliedOnceEvenAfterRestart()
    {
        await using var account = await DovecotAccount.OpenAsync(DovecotAccount.Server.Bob);
        var tag = "r" + Guid.NewGuid().ToString("N")[..10];
        var target = "mmrules-" + tag;
        await using var silo = await RulesSilo.StartAsync();
        var key = "acme/rules-" + tag;
        var mailbox = await CreateAsync(silo, key, account);
        await silo.Rules(key).Upload(new UploadRuleScript($$"""
            require ["fileinto", "mailbox", "imap4flags", "vacation", "vnd.mailmesh"];
            if header :contains "subject" "{{tag}}-move" {
                fileinto :create "{{target}}";
                tag "moved";
            } elsif header :contains "subject" "{{tag}}-flag" {
                addflag "\\Flagged";
                priority "high";
            } elsif header :contains "subject" "{{tag}}-away" {
                vacation :days 2 :subject "Away {{tag}}" "Back on Monday.";
            }
            """, true, "test"));

        await account.Client.AppendAsync("INBOX", Message(tag, $"{tag}-move"));
        await account.Client.AppendAsync("INBOX", Message(tag, $"{tag}-flag"));
        await account.Client.AppendAsync("INBOX", Message(tag, $"{tag}-away", $"{tag}@example.org"));
        await account.Client.AppendAsync("INBOX", Message(tag, $"{tag}-away again", $"{tag}@example.org"));
        await account.Client.AppendAsync("INBOX", Message(tag, $"{tag}-away list", $"list-{tag}@example.org", "List-Id: <list.example.org>\r\n"));
        await mailbox.SyncNow();
        var events = await silo.WaitForEventsAsync(key, e => Count(e, "rule.applied", tag) + Count(e, "rule.failed", tag) >= 5, "5 rule outcomes");

        Assert.Equal(0, Count(events, "rule.failed", tag));
        await account.Client.ExamineAsync(target);
        Assert.Single(await account.Client.UidSearchAsync($"SUBJECT \"{tag}-move\""));
        await account.Client.ExamineAsync("INBOX");
        Assert.Empty(await account.Client.UidSearchAsync($"SUBJECT \"{tag}-move\""));
        var flagged = Assert.Single(await account.Client.UidSearchAsync($"SUBJECT \"{tag}-flag\""));
        var fetched = (await account.Client.UidFetchAsync(ImapUidSet.Single(flagged), new ImapFetchRequest(ImapFetchItems.Flags))).Messages.Single();
        Assert.True(fetched.HasFlag("\\Flagged"), "the flag set by the rule is on the server");
        Assert.DoesNotContain(await silo.Index.ListAsync(key, "INBOX", 100_000), r => r.Subject == $"{tag}-move");
        var tagged = Assert.Single(events, e => e.Type == "message.tagged");
        Assert.Equal("moved", JsonDocument.Parse(tagged.PayloadJson).RootElement.GetProperty("value").GetString());
        Assert.Contains(events, e => e.Type == "message.priority_set" && e.PayloadJson.Contains("high", StringComparison.Ordinal));
        var replies = Replies(tag);
        var reply = Assert.Single(replies);
        Assert.Contains("Auto-Submitted: auto-replied", reply, StringComparison.Ordinal);
        Assert.Contains("In-Reply-To: <" + tag + ".", reply, StringComparison.Ordinal);

        // A restart and a resync neither re-run the rules nor reply again.
        await silo.RestartAsync();
        await silo.Grains.GetGrain<IMailboxGrain>(key).SyncNow();
        await silo.Observer.WaitForRunsAsync(key, 3);
        var after = await silo.EventsOfAsync(key);
        Assert.Equal(5, Count(after, "rule.applied", tag));
        Assert.Single(Replies(tag));
    }

    [ServerFact(Server.Dovecot)]
    public async Task Sync_ScriptFailsAtRunTime_MessageKeptAndRuleFailedRaised()
    {
        await using var account = await DovecotAccount.OpenAsync(DovecotAccount.Server.Bob);
        var tag = "f" + Guid.NewGuid().ToString("N")[..10];
        await using var silo = await RulesSilo.StartAsync();
        var key = "acme/rules-" + tag;
        var mailbox = await CreateAsync(silo, key, account);
        // fileinto a folder that does not exist, without :create: the message stays in the inbox.
        await silo.Rules(key).Upload(new UploadRuleScript($$"""
            require ["fileinto"];
            if header :contains "subject" "{{tag}}" { fileinto "no-such-folder-{{tag}}"; }
            """, true));

        await account.Client.AppendAsync("INBOX", Message(tag, $"{tag} subject"));
        await mailbox.SyncNow();
        var events = await silo.WaitForEventsAsync(key, e => Count(e, "rule.applied", tag) + Count(e, "rule.failed", tag) >= 1, "the rule outcome");

        var applied = events.Single(e => e.Type == "rule.applied" && e.PayloadJson.Contains(tag, StringComparison.Ordinal));
        Assert.Contains("does not exist", JsonDocument.Parse(applied.PayloadJson).RootElement.GetProperty("outcomes")[0].GetString(), StringComparison.Ordinal);
        await account.Client.ExamineAsync("INBOX");
        Assert.Single(await account.Client.UidSearchAsync($"SUBJECT \"{tag}\""));
    }

    [ServerFact(Server.Dovecot)]
    public async Task Test_StoredMessage_DryRunReadsBlobAndAppliesNothing()
    {
        await using var account = await DovecotAccount.OpenAsync(DovecotAccount.Server.Bob);
        var tag = "d" + Guid.NewGuid().ToString("N")[..10];
        await account.Client.AppendAsync("INBOX", Message(tag, $"{tag} invoice"));
        await using var silo = await RulesSilo.StartAsync();
        var key = "acme/rules-" + tag;
        await CreateAsync(silo, key, account);
        var row = (await silo.Index.ListAsync(key, "INBOX", 100_000)).Single(r => r.Subject == $"{tag} invoice");

        var run = await silo.Rules(key).Test(new RuleTestRequest("INBOX", row.Uid, null, null,
            "require \"fileinto\";\nif header :contains \"subject\" \"invoice\" { fileinto \"Finance\"; }\n"));

        Assert.Equal("fileinto \"Finance\"", Assert.Single(run.Actions).ToString());
        await account.Client.ExamineAsync("INBOX");
        Assert.Single(await account.Client.UidSearchAsync($"SUBJECT \"{tag}\""));
    }

    private static List<string> Replies(string tag)
    {
        var dir = TestServers.SmtpCapture.NewMessagesDirectory;
        return Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir).Select(File.ReadAllText).Where(t => t.Contains("Subject: Away " + tag, StringComparison.Ordinal)).ToList()
            : [];
    }
}

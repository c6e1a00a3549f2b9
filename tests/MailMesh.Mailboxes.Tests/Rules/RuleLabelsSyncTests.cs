using System.Text;
using System.Text.Json;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Rules;
using MailMesh.Grains.Sharing;
using MailMesh.Mailboxes.Tests.Support;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests.Rules;

/// <summary>What vnd.mailmesh actions leave behind, against Dovecot: tags and priority on the index row (following a
/// fileinto), the conversation's assignee in the sharing grain, and archive applied by the rule turn.</summary>
[Collection(DovecotCollection.Name)]
public sealed class RuleLabelsSyncTests
{
    private static byte[] Message(string id, string subject) => Encoding.ASCII.GetBytes(
        $"Return-Path: <sender@example.org>\r\nFrom: sender@example.org\r\nTo: bob@example.test\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n" +
        "Content-Type: text/plain\r\n\r\nHello from the label tests.\r\n");

    [ServerFact(Server.Dovecot)]
    public async Task Sync_TagPriorityAssignArchive_StoredOnTheRowAssignedAndArchivedOnce()
    {
        await using var account = await DovecotAccount.OpenAsync(DovecotAccount.Server.Bob);
        var tag = "l" + Guid.NewGuid().ToString("N")[..10];
        var target = "mmlabels-" + tag;
        await account.CreateFolderAsync(target);
        await using var silo = await RulesSilo.StartAsync();
        var key = "acme/labels-" + tag;
        var mailbox = silo.Grains.GetGrain<IMailboxGrain>(key);
        await mailbox.Create(new CreateMailbox(key, "bob@example.test"));
        await mailbox.ConfigureSource(account.Source("INBOX", target));
        await silo.Observer.WaitForRunsAsync(key, 1);
        await silo.Grains.GetGrain<IMailboxSharingGrain>(key).SetMember("key:test", "agent@team.test", MailboxAccess.SendAs);
        await silo.Rules(key).Upload(new UploadRuleScript($$"""
            require ["fileinto", "vnd.mailmesh"];
            if header :contains "subject" "{{tag}}-vip" {
                tag "vip"; priority "high"; assign "agent@team.test";
                fileinto "{{target}}";
                tag "billing";
            } elsif header :contains "subject" "{{tag}}-keep" {
                tag "Key Account"; priority "low"; assign "stranger@team.test";
            } elsif header :contains "subject" "{{tag}}-old" {
                archive;
            }
            """, true, "test"));

        await account.Client.AppendAsync("INBOX", Message($"vip.{tag}@labels.test", $"{tag}-vip"));
        await account.Client.AppendAsync("INBOX", Message($"keep.{tag}@labels.test", $"{tag}-keep"));
        await account.Client.AppendAsync("INBOX", Message($"old.{tag}@labels.test", $"{tag}-old"));
        await mailbox.SyncNow();
        var events = await silo.WaitForEventsAsync(key,
            e => e.Count(x => x.Type is "rule.applied" or "rule.failed") >= 3 && e.Any(x => x.Type == "message.archived"), "3 rule outcomes and the archive");

        Assert.DoesNotContain(events, e => e.Type == "rule.failed");
        var rows = await silo.Index.ListAsync(key, null, 100_000);
        var vip = Assert.Single(rows, r => r.Subject == $"{tag}-vip");
        var kept = Assert.Single(rows, r => r.Subject == $"{tag}-keep");
        Assert.Equal((target, "billing vip", "high"), (vip.Folder, vip.Tags, vip.Priority));
        Assert.Equal(("INBOX", "Key-Account", "low"), (kept.Folder, kept.Tags, kept.Priority));
        var searched = await mailbox.SearchMessages(new MessageQuery(Limit: 10) { Tag = "VIP" });
        Assert.Equal(["billing", "vip"], Assert.Single(searched.Messages).Tags);

        var sharing = silo.Grains.GetGrain<IMailboxSharingGrain>(key);
        Assert.Equal("agent@team.test", (await sharing.GetConversation($"vip.{tag}@labels.test")).Assignee);
        Assert.Null((await sharing.GetConversation($"keep.{tag}@labels.test")).Assignee);
        var keepOutcome = events.Single(e => e.Type == "rule.applied" && e.PayloadJson.Contains("keep." + tag, StringComparison.Ordinal));
        var outcomes = JsonDocument.Parse(keepOutcome.PayloadJson).RootElement.GetProperty("outcomes").EnumerateArray().Select(o => o.GetString()).ToList();
        Assert.Contains(outcomes, o => o!.Contains("\"stranger@team.test\" is not a member", StringComparison.Ordinal));
        var assigned = (await silo.EventsOfAsync(key, "audit.conversation.assigned")).ToList();
        Assert.Single(assigned);
        Assert.Contains("rules:v1", assigned[0].PayloadJson, StringComparison.Ordinal);

        await account.Client.ExamineAsync("Archive");
        Assert.Single(await account.Client.UidSearchAsync($"SUBJECT \"{tag}-old\""));
        await account.Client.ExamineAsync("INBOX");
        Assert.Empty(await account.Client.UidSearchAsync($"SUBJECT \"{tag}-old\""));
        Assert.DoesNotContain(await silo.Index.ListAsync(key, "INBOX", 100_000), r => r.Subject == $"{tag}-old");

        // A restart and a resync neither assign again nor lose the labels.
        await silo.RestartAsync();
        await silo.Grains.GetGrain<IMailboxGrain>(key).SyncNow();
        await silo.Observer.WaitForRunsAsync(key, 3);
        Assert.Single(await silo.EventsOfAsync(key, "audit.conversation.assigned"));
        var again = Assert.Single(await silo.Index.ListAsync(key, target, 100_000), r => r.Subject == $"{tag}-vip");
        Assert.Equal(("billing vip", "high"), (again.Tags, again.Priority));
    }
}

using System.Text;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Rules;
using MailMesh.Mailboxes.Tests.Support;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests.Rules;

/// <summary>editheader written back against Dovecot: the server copy and the stored copy carry the edits, once.</summary>
[Collection(DovecotCollection.Name)]
public sealed class RuleEditHeaderSyncTests
{
    [ServerFact(Server.Dovecot)]
    public async Task Sync_AddAndDeleteHeader_ServerAndStoredCopiesEditedWithoutRunningRulesAgain()
    {
        await using var account = await DovecotAccount.OpenAsync(DovecotAccount.Server.Bob);
        var tag = "e" + Guid.NewGuid().ToString("N")[..10];
        var target = "mmedit-" + tag;
        await account.CreateFolderAsync(target);
        await using var silo = await RulesSilo.StartAsync();
        var key = "acme/edit-" + tag;
        var mailbox = silo.Grains.GetGrain<IMailboxGrain>(key);
        await mailbox.Create(new CreateMailbox(key, "bob@example.test"));
        await mailbox.ConfigureSource(account.Source("INBOX", target));
        await silo.Observer.WaitForRunsAsync(key, 1);
        await silo.Rules(key).Upload(new UploadRuleScript($$"""
            require ["editheader", "fileinto", "imap4flags"];
            if header :contains "subject" "{{tag}}-edit" {
                addheader "X-Triage" "billing {{tag}}";
                deleteheader "X-Junk";
                addflag "\\Flagged";
            } elsif header :contains "subject" "{{tag}}-file" {
                addheader :last "X-Filed" "yes {{tag}}";
                fileinto "{{target}}";
            }
            """, true, "test"));

        await account.Client.AppendAsync("INBOX", Message(tag, "edit", "X-Junk: remove me\r\n"), new MailMesh.Protocols.Imap.ImapAppendOptions { Flags = ["\\Seen"] });
        await account.Client.AppendAsync("INBOX", Message(tag, "file", ""));
        await mailbox.SyncNow();
        await silo.WaitForEventsAsync(key, e => e.Count(x => x.Type is "rule.applied" or "rule.failed") >= 2, "2 rule outcomes");
        await mailbox.SyncNow();
        var events = await silo.EventsOfAsync(key);

        Assert.DoesNotContain(events, e => e.Type == "rule.failed");
        Assert.Equal(2, events.Count(e => e.Type == "rule.applied"));
        await account.Client.ExamineAsync("INBOX");
        var edited = Assert.Single(await account.Client.UidSearchAsync($"SUBJECT \"{tag}-edit\""));
        Assert.Equal([edited], await account.Client.UidSearchAsync($"HEADER X-Triage \"billing {tag}\""));
        Assert.Empty(await account.Client.UidSearchAsync($"SUBJECT \"{tag}-edit\" HEADER X-Junk \"\""));
        Assert.Equal([edited], await account.Client.UidSearchAsync($"SUBJECT \"{tag}-edit\" SEEN FLAGGED"));
        Assert.Empty(await account.Client.UidSearchAsync($"SUBJECT \"{tag}-file\""));
        await account.Client.ExamineAsync(target);
        Assert.Single(await account.Client.UidSearchAsync($"HEADER X-Filed \"yes {tag}\""));

        var row = Assert.Single(await silo.Index.ListAsync(key, "INBOX", 100_000), r => r.Subject == $"{tag}-edit");
        Assert.Equal(edited, row.Uid);
        await using var blob = await silo.Blobs.OpenReadAsync(row.BlobName);
        using var reader = new StreamReader(blob!.Content);
        var stored = await reader.ReadToEndAsync();
        Assert.StartsWith($"X-Triage: billing {tag}\r\n", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Junk", stored, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nHello from the editheader tests.\r\n", stored, StringComparison.Ordinal);
        Assert.Equal(stored.Length, row.Size);
    }

    private static byte[] Message(string tag, string kind, string extra) => Encoding.ASCII.GetBytes(
        $"Return-Path: <sender@example.org>\r\nFrom: sender@example.org\r\nTo: bob@example.test\r\nSubject: {tag}-{kind}\r\n" +
        $"Message-ID: <{kind}.{tag}@edit.test>\r\n{extra}Content-Type: text/plain\r\n\r\nHello from the editheader tests.\r\n");
}

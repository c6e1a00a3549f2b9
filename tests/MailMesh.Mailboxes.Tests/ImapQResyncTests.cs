using System.Text.Json;
using MailMesh.Grains.Mailboxes;
using MailMesh.Mailboxes.Tests.Support;
using MailMesh.Protocols.Imap;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests;

/// <summary>Dovecot advertises QRESYNC (RFC 7162): incremental runs learn expunges (VANISHED (EARLIER)) and flag
/// changes from EXAMINE itself.</summary>
[Collection(DovecotCollection.Name)]
public sealed class ImapQResyncTests
{
    [ServerFact(Server.Dovecot)]
    public async Task SyncNow_ExpungeAndFlagChangeOnServer_SeenThroughQResync()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 5, "qresync");
        await using var silo = await SyncSilo.StartAsync();
        var mailbox = await silo.CreateMailboxAsync("acme/qresync", account.Source(folder));
        await silo.Observer.WaitForRunsAsync("acme/qresync", 1);
        var rows = await silo.Index.ListAsync("acme/qresync");

        await account.Client.SelectAsync(folder);
        await account.Client.UidStoreAsync(ImapUidSet.Single(rows[1].Uid), ImapStoreMode.Add, ["\\Flagged"]);
        await account.Client.UidStoreAsync(ImapUidSet.Single(rows[3].Uid), ImapStoreMode.Add, ["\\Deleted"]);
        await account.Client.ExpungeAsync();
        await mailbox.SyncNow();
        var status = await silo.Observer.WaitForRunsAsync("acme/qresync", 2);

        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        var after = await silo.Index.ListAsync("acme/qresync");
        Assert.Equal(rows.Where(r => r.Uid != rows[3].Uid).Select(r => r.Uid), after.Select(r => r.Uid));
        Assert.Equal("\\Flagged", after[1].Flags);
        var expunged = Assert.Single(await silo.EventsOfAsync("acme/qresync", "message.expunged"));
        Assert.Equal(rows[3].Uid, JsonDocument.Parse(expunged.PayloadJson).RootElement.GetProperty("uid").GetUInt32());
        var changed = Assert.Single(await silo.EventsOfAsync("acme/qresync", "message.flags_changed"));
        Assert.Equal(rows[1].Uid, JsonDocument.Parse(changed.PayloadJson).RootElement.GetProperty("uid").GetUInt32());
        var synced = await silo.EventsOfAsync("acme/qresync", "mailbox.synced");
        Assert.Equal(1, JsonDocument.Parse(synced[^1].PayloadJson).RootElement.GetProperty("qresyncFolders").GetInt32());
        Assert.Equal(4, status.MessageCount);
    }

    [ServerFact(Server.Dovecot)]
    public async Task SyncNow_NothingChanged_QResyncRunRaisesNoChangeEvents()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 3, "qresync-quiet");
        await using var silo = await SyncSilo.StartAsync();
        var mailbox = await silo.CreateMailboxAsync("acme/qquiet", account.Source(folder));
        await silo.Observer.WaitForRunsAsync("acme/qquiet", 1);
        await account.AppendAsync(folder, 4, 1, "qresync-quiet");

        await mailbox.SyncNow();
        var status = await silo.Observer.WaitForRunsAsync("acme/qquiet", 2);

        Assert.Equal(4, status.MessageCount);
        Assert.Empty(await silo.EventsOfAsync("acme/qquiet", "message.expunged"));
        Assert.Empty(await silo.EventsOfAsync("acme/qquiet", "message.flags_changed"));
        var synced = await silo.EventsOfAsync("acme/qquiet", "mailbox.synced");
        Assert.Equal(1, JsonDocument.Parse(synced[^1].PayloadJson).RootElement.GetProperty("qresyncFolders").GetInt32());
    }
}

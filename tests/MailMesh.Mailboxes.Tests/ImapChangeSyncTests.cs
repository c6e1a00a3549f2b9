using System.Text.Json;
using MailMesh.Grains.Mailboxes;
using MailMesh.Mailboxes.Tests.Support;
using MailMesh.Protocols.Imap;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests;

[Collection(DovecotCollection.Name)]
public sealed class ImapChangeSyncTests
{
    [ServerFact(Server.Dovecot)]
    public async Task SyncNow_FlagSetOnServer_UpdatesIndexAndRaisesFlagsChanged()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 3, "flags");
        await using var silo = await SyncSilo.StartAsync();
        var mailbox = await silo.CreateMailboxAsync("acme/flags", account.Source(folder));
        await silo.Observer.WaitForRunsAsync("acme/flags", 1);
        var second = (await silo.Index.ListAsync("acme/flags"))[1];

        await account.Client.SelectAsync(folder);
        await account.Client.UidStoreAsync(ImapUidSet.Single(second.Uid), ImapStoreMode.Add, ["\\Flagged", "$Label1"]);
        await mailbox.SyncNow();
        await silo.Observer.WaitForRunsAsync("acme/flags", 2);

        var row = (await silo.Index.ListAsync("acme/flags"))[1];
        Assert.Equal("$Label1 \\Flagged", row.Flags);
        var changed = Assert.Single(await silo.EventsOfAsync("acme/flags", "message.flags_changed"));
        var payload = JsonDocument.Parse(changed.PayloadJson).RootElement;
        Assert.Equal(second.Uid, payload.GetProperty("uid").GetUInt32());
        Assert.Equal("server", payload.GetProperty("origin").GetString());
    }

    [ServerFact(Server.Dovecot)]
    public async Task SetFlags_OnMailbox_StoresOnServerAndInIndexWithoutEchoOnNextSync()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 2, "setflags");
        await using var silo = await SyncSilo.StartAsync();
        var mailbox = await silo.CreateMailboxAsync("acme/setflags", account.Source(folder));
        await silo.Observer.WaitForRunsAsync("acme/setflags", 1);
        var first = (await silo.Index.ListAsync("acme/setflags"))[0];

        var flags = await mailbox.SetFlags(folder, first.Uid, ["\\Seen", "\\Answered"], []);

        Assert.Equal(["\\Answered", "\\Seen"], flags);
        await account.Client.ExamineAsync(folder);
        var onServer = (await account.Client.UidFetchAsync(ImapUidSet.Single(first.Uid), new ImapFetchRequest(ImapFetchItems.Flags))).Messages.Single();
        Assert.True(onServer.HasFlag("\\Seen") && onServer.HasFlag("\\Answered"), "the server has the flags set through the mailbox");
        Assert.Equal("\\Answered \\Seen", (await silo.Index.ListAsync("acme/setflags"))[0].Flags);

        await mailbox.SetFlags(folder, first.Uid, [], ["\\Answered"]);
        await mailbox.SyncNow();
        await silo.Observer.WaitForRunsAsync("acme/setflags", 2);

        Assert.Equal("\\Seen", (await silo.Index.ListAsync("acme/setflags"))[0].Flags);
        var events = await silo.EventsOfAsync("acme/setflags", "message.flags_changed");
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal("mailmesh", JsonDocument.Parse(e.PayloadJson).RootElement.GetProperty("origin").GetString()));
    }

    [ServerFact(Server.Dovecot)]
    public async Task SetFlags_UnknownUid_ThrowsArgumentExceptionNamingIt()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await using var silo = await SyncSilo.StartAsync();
        var mailbox = await silo.CreateMailboxAsync("acme/baduid", account.Source(folder));
        await silo.Observer.WaitForRunsAsync("acme/baduid", 1);

        var e = await Assert.ThrowsAsync<ArgumentException>(() => mailbox.SetFlags(folder, 99, ["\\Seen"], []));

        Assert.Contains("uid 99", e.Message, StringComparison.Ordinal);
    }

    [ServerFact(Server.Dovecot)]
    public async Task SyncNow_MessageExpungedOnServer_RemovesRowAndRaisesExpunged()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 3, "expunge");
        await using var silo = await SyncSilo.StartAsync();
        var mailbox = await silo.CreateMailboxAsync("acme/expunge", account.Source(folder));
        await silo.Observer.WaitForRunsAsync("acme/expunge", 1);
        var gone = (await silo.Index.ListAsync("acme/expunge"))[1];

        await account.Client.SelectAsync(folder);
        await account.Client.UidStoreAsync(ImapUidSet.Single(gone.Uid), ImapStoreMode.Add, ["\\Deleted"]);
        await account.Client.ExpungeAsync();
        await mailbox.SyncNow();
        var status = await silo.Observer.WaitForRunsAsync("acme/expunge", 2);

        Assert.Equal(2, status.MessageCount);
        Assert.DoesNotContain(await silo.Index.ListAsync("acme/expunge"), r => r.Uid == gone.Uid);
        var expunged = Assert.Single(await silo.EventsOfAsync("acme/expunge", "message.expunged"));
        Assert.Equal(gone.Uid, JsonDocument.Parse(expunged.PayloadJson).RootElement.GetProperty("uid").GetUInt32());
    }

    [ServerFact(Server.Dovecot)]
    public async Task SyncNow_FolderRenamedOnServer_KeepsRowsUnderNewNameWithoutRefetching()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 3, "rename");
        await using var silo = await SyncSilo.StartAsync();
        var mailbox = await silo.CreateMailboxAsync("acme/rename", account.Source(folder + "*"));
        await silo.Observer.WaitForRunsAsync("acme/rename", 1);
        var before = Assert.Single(await mailbox.ListFolders());

        await account.Client.RenameMailboxAsync(folder, folder + "-renamed");
        await mailbox.SyncNow();
        await silo.Observer.WaitForRunsAsync("acme/rename", 2);

        var after = Assert.Single(await mailbox.ListFolders());
        Assert.Equal(folder + "-renamed", after.Name);
        Assert.Equal(before.Id, after.Id);
        Assert.All(await silo.Index.ListAsync("acme/rename"), r => Assert.Equal(folder + "-renamed", r.Folder));
        Assert.Single(await silo.EventsOfAsync("acme/rename", "mailbox.folder_renamed"));
        Assert.Equal(3, (await silo.EventsOfAsync("acme/rename", "message.received")).Count);
    }

    [ServerFact(Server.Dovecot)]
    public async Task SyncNow_FolderDeletedAndRecreated_ResyncsNewUidValidityWithoutDuplicateRows()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 3, "uidv-old");
        await using var silo = await SyncSilo.StartAsync();
        var mailbox = await silo.CreateMailboxAsync("acme/uidv", account.Source(folder));
        await silo.Observer.WaitForRunsAsync("acme/uidv", 1);
        var oldValidity = Assert.Single(await mailbox.ListFolders()).UidValidity;

        await account.Client.DeleteMailboxAsync(folder);
        await account.CreateFolderAsync(folder);
        var fresh = await account.AppendAsync(folder, 1, 2, "uidv-new");
        await mailbox.SyncNow();
        var status = await silo.Observer.WaitForRunsAsync("acme/uidv", 2);

        var cursor = Assert.Single(await mailbox.ListFolders());
        Assert.NotEqual(oldValidity, cursor.UidValidity);
        var rows = await silo.Index.ListAsync("acme/uidv");
        Assert.Equal(fresh, rows.Select(r => r.MessageId));
        Assert.All(rows, r => Assert.Equal(cursor.UidValidity, r.UidValidity));
        Assert.Equal(2, status.MessageCount);
        Assert.Single(await silo.EventsOfAsync("acme/uidv", "mailbox.folder_reset"));
    }

    [ServerFact(Server.Dovecot)]
    public async Task SyncNow_AfterMoveIntoFolderWithUnsyncedMail_FetchesTheGapButNotTheMovedMessage()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var from = DovecotAccount.NewFolderName();
        var to = DovecotAccount.NewFolderName();
        await account.CreateFolderAsync(from);
        await account.CreateFolderAsync(to);
        await account.AppendAsync(from, 1, 2, "move-from");
        await account.AppendAsync(to, 1, 1, "move-to");
        await using var silo = await SyncSilo.StartAsync();
        var mailbox = await silo.CreateMailboxAsync("acme/move", account.Source(from, to));
        await silo.Observer.WaitForRunsAsync("acme/move", 1);
        var moving = (await silo.Index.ListAsync("acme/move")).First(r => r.Folder == from);
        // Arrives in the destination on the server and is not synced yet: the moved message's UID is not next to the cursor.
        var unsynced = await account.AppendAsync(to, 2, 1, "move-gap");

        var moved = await mailbox.Move(from, moving.Uid, to);
        await mailbox.SyncNow();
        await silo.Observer.WaitForRunsAsync("acme/move", 2);
        var later = await account.AppendAsync(to, 3, 1, "move-later");
        await mailbox.SyncNow();
        await silo.Observer.WaitForRunsAsync("acme/move", 3);

        Assert.True(moved.Indexed, "the moved message is indexed under its COPYUID");
        var received = (await silo.EventsOfAsync("acme/move", "message.received"))
            .Select(e => JsonDocument.Parse(e.PayloadJson).RootElement.GetProperty("messageId").GetString()).ToList();
        string[] expected = ["move-from.1@sync.test", "move-from.2@sync.test", "move-to.1@sync.test", unsynced[0], later[0]];
        Assert.Equal(expected.Order(StringComparer.Ordinal), received.Order(StringComparer.Ordinal));
        var inTo = (await silo.Index.ListAsync("acme/move")).Where(r => r.Folder == to).ToList();
        Assert.Equal(4, inTo.Count);
        Assert.Contains(inTo, r => r.Uid == moved.Uid && r.MessageId == moving.MessageId);
        Assert.DoesNotContain(await silo.Index.ListAsync("acme/move"), r => r.Folder == from && r.Uid == moving.Uid);
    }
}

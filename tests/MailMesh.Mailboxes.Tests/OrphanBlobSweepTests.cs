using MailMesh.Mailboxes.Tests.Support;
using MailMesh.Protocols.Imap;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests;

/// <summary>Blobs of expunged messages are deleted with their rows; blobs no row refers to are swept after a run.</summary>
[Collection(DovecotCollection.Name)]
public sealed class OrphanBlobSweepTests
{
    private static readonly Dictionary<string, string?> SweepEveryRun = new()
    {
        ["Mailboxes:OrphanBlobSweepInterval"] = "00:00:00.001",
        ["Mailboxes:OrphanBlobGrace"] = "00:00:00",
    };

    [ServerFact(Server.Dovecot)]
    public async Task SyncNow_MessageExpungedOnServer_DeletesItsBlob()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 2, "expunge-blob");
        await using var silo = await SyncSilo.StartAsync();
        var mailbox = await silo.CreateMailboxAsync("acme/expblob", account.Source(folder));
        await silo.Observer.WaitForRunsAsync("acme/expblob", 1);
        var rows = await silo.Index.ListAsync("acme/expblob");

        await account.Client.SelectAsync(folder);
        await account.Client.UidStoreAsync(ImapUidSet.Single(rows[0].Uid), ImapStoreMode.Add, ["\\Deleted"]);
        await account.Client.ExpungeAsync();
        await mailbox.SyncNow();
        await silo.Observer.WaitForRunsAsync("acme/expblob", 2);

        Assert.Null(await silo.Blobs.GetPropertiesAsync(rows[0].BlobName));
        Assert.NotNull(await silo.Blobs.GetPropertiesAsync(rows[1].BlobName));
    }

    [ServerFact(Server.Dovecot)]
    public Task SyncNow_LocalStoreWithOrphans_SweepDeletesOnlyUnreferencedSyncBlobs() => SweepAsync("acme/sweeplocal", SweepEveryRun);

    [ServerFact(Server.Dovecot, Server.Azurite)]
    public Task SyncNow_AzureStoreWithOrphans_SweepDeletesOnlyUnreferencedSyncBlobs()
    {
        var settings = new Dictionary<string, string?>(SweepEveryRun)
        {
            ["Blobs:Provider"] = "Azure",
            ["Blobs:Azure:ServiceUri"] = TestServers.Azurite.BlobEndpoint.ToString(),
            ["Blobs:Azure:AccountName"] = TestServers.Azurite.AccountName,
            ["Blobs:Azure:AccountKey"] = TestServers.Azurite.AccountKey,
            ["Blobs:Azure:Container"] = "sweep" + Guid.NewGuid().ToString("N")[..12],
        };
        return SweepAsync("acme/sweepazure", settings);
    }

    [ServerFact(Server.Dovecot)]
    public async Task SyncNow_OrphanYoungerThanGrace_IsKept()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 1, "grace");
        await using var silo = await SyncSilo.StartAsync(settings: new Dictionary<string, string?>(SweepEveryRun) { ["Mailboxes:OrphanBlobGrace"] = "01:00:00" });
        var mailbox = await silo.CreateMailboxAsync("acme/grace", account.Source(folder));
        await silo.Observer.WaitForRunsAsync("acme/grace", 1);
        var row = Assert.Single(await silo.Index.ListAsync("acme/grace"));
        var orphan = $"mail/acme/grace/{row.FolderId}/{row.UidValidity}/{row.Uid + 100}.eml";
        await silo.Blobs.PutAsync(orphan, new MemoryStream("young"u8.ToArray()));

        await mailbox.SyncNow();
        await silo.Observer.WaitForRunsAsync("acme/grace", 2);

        Assert.NotNull(await silo.Blobs.GetPropertiesAsync(orphan));
    }

    private static async Task SweepAsync(string key, IReadOnlyDictionary<string, string?> settings)
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 3, "sweep");
        await using var silo = await SyncSilo.StartAsync(settings: settings);
        var mailbox = await silo.CreateMailboxAsync(key, account.Source(folder));
        await silo.Observer.WaitForRunsAsync(key, 1);
        var rows = await silo.Index.ListAsync(key);
        var prefix = $"mail/{key}/{rows[0].FolderId}/{rows[0].UidValidity}";
        // A crashed run's blob with no row, a reset folder's blob, and names the sync does not write (kept).
        string[] orphans = [$"{prefix}/{rows.Max(r => r.Uid) + 1}.eml", $"mail/{key}/f99/1/7.eml"];
        string[] others = [$"{rows[0].BlobName}.edited", $"mail/{key}/notes/1.txt", $"mail/{key}x/f1/1/1.eml"];
        foreach (var name in orphans.Concat(others))
        {
            await silo.Blobs.PutAsync(name, new MemoryStream("orphan"u8.ToArray()));
        }

        await mailbox.SyncNow();
        await silo.Observer.WaitForRunsAsync(key, 2);

        foreach (var name in orphans)
        {
            Assert.True(await silo.Blobs.GetPropertiesAsync(name) is null, $"orphan {name} is deleted");
        }

        foreach (var name in others.Concat(rows.Select(r => r.BlobName)))
        {
            Assert.True(await silo.Blobs.GetPropertiesAsync(name) is not null, $"{name} is kept");
        }

        var collected = Assert.Single(await silo.EventsOfAsync(key, "mailbox.blobs_collected"));
        Assert.Contains("\"deleted\":2", collected.PayloadJson, StringComparison.Ordinal);
    }
}

using System.Text;
using System.Text.Json;
using MailMesh.Grains.Mailboxes;
using MailMesh.Mailboxes.Tests.Support;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests;

[Collection(DovecotCollection.Name)]
public sealed class ImapInitialSyncTests
{
    [ServerFact(Server.Dovecot)]
    public async Task ConfigureSource_FolderWithMessages_IndexesEveryMessageStoresRawMimeAndRaisesEvents()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        var ids = await account.AppendAsync(folder, 1, 7, "initial");
        await using var silo = await SyncSilo.StartAsync(batchSize: 3);

        await silo.CreateMailboxAsync("acme/initial", account.Source(folder));
        var status = await silo.Observer.WaitForRunsAsync("acme/initial", 1);

        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        Assert.Equal(7, status.MessageCount);
        var rows = await silo.Index.ListAsync("acme/initial");
        Assert.Equal(ids, rows.Select(r => r.MessageId));
        Assert.All(rows, r => Assert.Equal(folder, r.Folder));
        Assert.Equal("initial message 1", rows[0].Subject);
        Assert.Equal("sender@example.test", rows[0].From);
        Assert.Equal("alice@example.test", rows[0].To);
        Assert.Equal("root." + ids[0], rows[0].References);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero), rows[0].Date);
        await using (var blob = await silo.Blobs.OpenReadAsync(rows[0].BlobName))
        {
            Assert.NotNull(blob);
            using var copy = new MemoryStream();
            await blob.Content.CopyToAsync(copy);
            Assert.Equal(DovecotAccount.Message(ids[0], "initial message 1"), copy.ToArray());
            Assert.Equal(rows[0].Size, copy.Length);
        }

        var received = await silo.EventsOfAsync("acme/initial", "message.received");
        Assert.Equal(ids, received.Select(e => JsonDocument.Parse(e.PayloadJson).RootElement.GetProperty("messageId").GetString()));
        Assert.Single(await silo.EventsOfAsync("acme/initial", "mailbox.synced"));
        var folders = await silo.Grains.GetGrain<IMailboxGrain>("acme/initial").ListFolders();
        Assert.Equal(folder, Assert.Single(folders).Name);
    }

    [ServerFact(Server.Dovecot)]
    public async Task SyncNow_AfterNewMessagesArrive_FetchesOnlyTheNewOnes()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 3, "incr");
        await using var silo = await SyncSilo.StartAsync();
        var mailbox = await silo.CreateMailboxAsync("acme/incr", account.Source(folder));
        await silo.Observer.WaitForRunsAsync("acme/incr", 1);

        var added = await account.AppendAsync(folder, 4, 2, "incr");
        await mailbox.SyncNow();
        var status = await silo.Observer.WaitForRunsAsync("acme/incr", 2);

        Assert.Equal(5, status.MessageCount);
        Assert.Equal(5, (await silo.Index.ListAsync("acme/incr")).Count);
        var received = await silo.EventsOfAsync("acme/incr", "message.received");
        Assert.Equal(5, received.Count);
        Assert.Equal(added, received.Skip(3).Select(e => JsonDocument.Parse(e.PayloadJson).RootElement.GetProperty("messageId").GetString()));
        var synced = await silo.EventsOfAsync("acme/incr", "mailbox.synced");
        Assert.Equal(2, JsonDocument.Parse(synced[^1].PayloadJson).RootElement.GetProperty("received").GetInt32());
    }

    [ServerFact(Server.Dovecot)]
    public async Task ConfigureSource_Password_NeverAppearsInDatabasesOrEvents()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 2, "secret");
        await using var silo = await SyncSilo.StartAsync();
        var mailbox = await silo.CreateMailboxAsync("acme/secret", account.Source(folder));
        await silo.Observer.WaitForRunsAsync("acme/secret", 1);
        Assert.Equal(SyncErrorKind.None, (await mailbox.GetSyncStatus()).LastErrorKind);
        Assert.False((await mailbox.GetSource())!.UsesOAuth);

        await silo.Silo.StopAsync();

        var password = Encoding.UTF8.GetBytes(account.User.Password);
        var files = Directory.GetFiles(silo.Directory, "*.db*");
        Assert.Contains(files, f => f.EndsWith("silo.db", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("index.db", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(password) < 0, $"{Path.GetFileName(file)} contains the source password in clear text.");
        }
    }

    [ServerFact(Server.Dovecot)]
    public async Task Sync_WrongPassword_RaisesAuthFailedAndStatusKindAuthWithNextRetry()
    {
        await using var silo = await SyncSilo.StartAsync();
        var source = DovecotAccount.SourceFor(DovecotAccount.Server.Bob, "not-the-password", DovecotAccount.Server.ImapPort, ["mmsync-none*"]);

        var mailbox = await silo.CreateMailboxAsync("acme/badpw", source);
        var status = await silo.Observer.WaitForRunsAsync("acme/badpw", 1);

        Assert.Equal(SyncErrorKind.Auth, status.LastErrorKind);
        Assert.Equal(1, status.ConsecutiveFailures);
        Assert.NotNull(status.NextRetryAt);
        Assert.True(status.NextRetryAt > status.LastAttemptAt, "the retry is scheduled after the attempt");
        var failed = Assert.Single(await silo.EventsOfAsync("acme/badpw", "mailbox.auth_failed"));
        Assert.DoesNotContain("not-the-password", failed.PayloadJson, StringComparison.Ordinal);
        Assert.Empty(await silo.EventsOfAsync("acme/badpw", "mailbox.synced"));
        Assert.Equal(status, await mailbox.GetSyncStatus());
    }

    [ServerFact(Server.Dovecot)]
    public async Task Sync_OneMailboxFailsAuth_OtherMailboxOfTheSiloSyncsUnaffected()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var folder = await account.CreateNewFolderAsync();
        await account.AppendAsync(folder, 1, 3, "neighbour");
        await using var silo = await SyncSilo.StartAsync();
        var bad = DovecotAccount.SourceFor(DovecotAccount.Server.Bob, "not-the-password", DovecotAccount.Server.ImapPort, [folder]);

        await silo.CreateMailboxAsync("acme/neighbour-bad", bad);
        await silo.CreateMailboxAsync("acme/neighbour-good", account.Source(folder));
        var failed = await silo.Observer.WaitForRunsAsync("acme/neighbour-bad", 1);
        var good = await silo.Observer.WaitForRunsAsync("acme/neighbour-good", 1);

        Assert.Equal(SyncErrorKind.Auth, failed.LastErrorKind);
        Assert.Equal(SyncErrorKind.None, good.LastErrorKind);
        Assert.Equal(3, good.MessageCount);
        Assert.Equal(3, (await silo.EventsOfAsync("acme/neighbour-good", "message.received")).Count);
        Assert.Empty(await silo.Index.ListAsync("acme/neighbour-bad"));
    }

    [ServerFact(Server.Dovecot)]
    public async Task Sync_ImapsWithUntrustedCertificate_FailsWithStatusKindTls()
    {
        await using var silo = await SyncSilo.StartAsync();
        var bob = DovecotAccount.Server.Bob;
        var source = DovecotAccount.SourceFor(bob, bob.Password, DovecotAccount.Server.ImapsPort, ["mmsync-none*"], SourceTls.Implicit);

        await silo.CreateMailboxAsync("acme/tls", source);
        var status = await silo.Observer.WaitForRunsAsync("acme/tls", 1);

        Assert.Equal(SyncErrorKind.Tls, status.LastErrorKind);
        Assert.Single(await silo.EventsOfAsync("acme/tls", "mailbox.sync_failed"));
    }

    [ServerFact(Server.Dovecot)]
    public async Task Sync_ImapsWithTrustedTestCaPem_Succeeds()
    {
        await using var silo = await SyncSilo.StartAsync();
        var bob = DovecotAccount.Server.Bob;
        var source = DovecotAccount.SourceFor(bob, bob.Password, DovecotAccount.Server.ImapsPort, ["mmsync-none*"], SourceTls.Implicit, host: "localhost")
            with { TrustedCertificate = await File.ReadAllTextAsync(DovecotAccount.Server.CaCertificatePath) };

        await silo.CreateMailboxAsync("acme/tlsok", source);
        var status = await silo.Observer.WaitForRunsAsync("acme/tlsok", 1);

        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
    }
}

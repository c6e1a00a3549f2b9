using System.Text.Json;
using MailMesh.Grains.Mailboxes;
using MailMesh.Mailboxes.Tests.Support;
using MailMesh.Protocols;
using MailMesh.Protocols.Pop3;
using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests;

/// <summary>POP3 sees only the inbox: these tests use alice's INBOX and assert only on their own Message-IDs.</summary>
[Collection(DovecotCollection.Name)]
public sealed class Pop3SyncTests
{
    [ServerFact(Server.Dovecot)]
    public async Task Sync_LeaveOnServer_DownloadsOnceKeepsMessagesAndDeduplicatesByUidl()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var tag = "pop-keep-" + Guid.NewGuid().ToString("N")[..8];
        var ids = await account.AppendAsync("INBOX", 1, 3, tag);
        await using var silo = await SyncSilo.StartAsync(batchSize: 2);
        var mailbox = await silo.CreateMailboxAsync("acme/popkeep", Pop3Source(account.User, leaveOnServer: true));
        await silo.Observer.WaitForRunsAsync("acme/popkeep", 1);

        await mailbox.SyncNow();
        var status = await silo.Observer.WaitForRunsAsync("acme/popkeep", 2);

        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        var rows = (await silo.Index.ListAsync("acme/popkeep", null, 100_000)).Where(r => r.Subject?.StartsWith(tag, StringComparison.Ordinal) == true).ToList();
        Assert.Equal(ids, rows.Select(r => r.MessageId));
        Assert.All(rows, r => Assert.False(string.IsNullOrEmpty(r.SourceId)));
        var mine = (await silo.EventsOfAsync("acme/popkeep", "message.received"))
            .Select(e => JsonDocument.Parse(e.PayloadJson).RootElement.GetProperty("messageId").GetString()!).Where(ids.Contains).ToList();
        Assert.Equal(ids, mine);
        Assert.Equal(ids.Count, await CountOnServerAsync(account, ids));
    }

    [ServerFact(Server.Dovecot)]
    public async Task Sync_DeleteFromServer_StoresThenDeletesMessages()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var tag = "pop-del-" + Guid.NewGuid().ToString("N")[..8];
        var ids = await account.AppendAsync("INBOX", 1, 3, tag);
        await using var silo = await SyncSilo.StartAsync();

        await silo.CreateMailboxAsync("acme/popdel", Pop3Source(account.User, leaveOnServer: false));
        var status = await silo.Observer.WaitForRunsAsync("acme/popdel", 1);

        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        var rows = (await silo.Index.ListAsync("acme/popdel", null, 100_000)).Where(r => r.Subject?.StartsWith(tag, StringComparison.Ordinal) == true).ToList();
        Assert.Equal(ids, rows.Select(r => r.MessageId));
        foreach (var row in rows)
        {
            Assert.NotNull(await silo.Blobs.GetPropertiesAsync(row.BlobName));
        }

        Assert.Equal(0, await CountOnServerAsync(account, ids));
    }

    [ServerFact(Server.Dovecot)]
    public async Task Sync_Stls_UpgradesWithTheTrustedCaAndDownloads()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var tag = "pop-tls-" + Guid.NewGuid().ToString("N")[..8];
        var ids = await account.AppendAsync("INBOX", 1, 2, tag);
        await using var silo = await SyncSilo.StartAsync();
        var source = Pop3Source(account.User, leaveOnServer: true) with
        {
            Tls = SourceTls.StartTls, TrustedCertificate = await File.ReadAllTextAsync(DovecotAccount.Server.CaCertificatePath),
        };

        await silo.CreateMailboxAsync("acme/poptls", source);
        var status = await silo.Observer.WaitForRunsAsync("acme/poptls", 1);

        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        var rows = (await silo.Index.ListAsync("acme/poptls", null, 100_000)).Where(r => r.Subject?.StartsWith(tag, StringComparison.Ordinal) == true);
        Assert.Equal(ids, rows.Select(r => r.MessageId));
    }

    [ServerFact(Server.Dovecot)]
    public async Task Sync_StlsWithoutTrustingTheTestCa_FailsWithKindTls()
    {
        await using var account = await DovecotAccount.OpenAsync();
        await using var silo = await SyncSilo.StartAsync();
        var source = Pop3Source(account.User, leaveOnServer: true) with { Tls = SourceTls.StartTls };

        await silo.CreateMailboxAsync("acme/poptlsbad", source);
        var status = await silo.Observer.WaitForRunsAsync("acme/poptlsbad", 1);

        Assert.Equal(SyncErrorKind.Tls, status.LastErrorKind);
        Assert.Equal(0, status.MessageCount);
    }

    [ServerFact(Server.Dovecot)]
    public async Task Sync_LeaveOnServerDeleteAfterTwoDays_KeepsMessagesUntilTheyAreTwoDaysOldThenDeletesThem()
    {
        await using var account = await DovecotAccount.OpenAsync();
        var tag = "pop-age-" + Guid.NewGuid().ToString("N")[..8];
        var ids = await account.AppendAsync("INBOX", 1, 2, tag);
        var date = new ManualTimeProvider(DateTimeOffset.UtcNow);
        await using var silo = await SyncSilo.StartAsync(clock: new WallClock(date));
        var mailbox = await silo.CreateMailboxAsync("acme/popage", Pop3Source(account.User, leaveOnServer: true) with { Pop3DeleteAfterDays = 2 });
        await silo.Observer.WaitForRunsAsync("acme/popage", 1);

        date.Advance(TimeSpan.FromDays(1));
        await mailbox.SyncNow();
        await silo.Observer.WaitForRunsAsync("acme/popage", 2);
        var afterOneDay = await CountOnServerAsync(account, ids);
        date.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await mailbox.SyncNow();
        var status = await silo.Observer.WaitForRunsAsync("acme/popage", 3);

        Assert.Equal(ids.Count, afterOneDay);
        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        Assert.Equal(0, await CountOnServerAsync(account, ids));
        var rows = (await silo.Index.ListAsync("acme/popage", null, 100_000)).Where(r => r.Subject?.StartsWith(tag, StringComparison.Ordinal) == true);
        Assert.Equal(ids, rows.Select(r => r.MessageId));
    }

    private static MailboxSource Pop3Source(MailUser user, bool leaveOnServer) =>
        new(SourceProtocol.Pop3, DovecotAccount.Server.Host, DovecotAccount.Server.Pop3Port, SourceTls.None, user.Address, Password: user.Password,
            PollInterval: TimeSpan.FromHours(1), Pop3LeaveOnServer: leaveOnServer, UseIdle: false);

    private static async Task<int> CountOnServerAsync(DovecotAccount account, IReadOnlyList<string> ids)
    {
        await using var pop3 = new Pop3Client(new Pop3ClientOptions { Host = DovecotAccount.Server.Host, Port = DovecotAccount.Server.Pop3Port, Tls = TlsMode.None });
        await pop3.ConnectAsync();
        await pop3.AuthenticateAsync(account.User.Address, account.User.Password);
        var count = 0;
        foreach (var message in await pop3.ListAsync())
        {
            using var head = new MemoryStream();
            await pop3.TopAsync(message.Number, 0, head);
            var text = System.Text.Encoding.ASCII.GetString(head.ToArray());
            count += ids.Count(id => text.Contains("<" + id + ">", StringComparison.Ordinal));
        }

        await pop3.QuitAsync();
        return count;
    }
}

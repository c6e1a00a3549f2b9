using System.Text;
using System.Text.Json;
using MailMesh.Grains.Mailboxes;
using MailMesh.Mailboxes.Tests.Support;

namespace MailMesh.Mailboxes.Tests;

/// <summary>Sync against a socket-level fake IMAP server, for answers Dovecot will not give on demand. Message 1 is
/// served normally (and committed in its own batch); the answer for message 2 is hostile.</summary>
public sealed class HostileServerSyncTests
{
    public static TheoryData<string, SyncErrorKind, string> Scenarios => new()
    {
        { "malformed", SyncErrorKind.Protocol, "instead of a string" },
        { "bye", SyncErrorKind.Network, "going down" },
        { "unterminated-literal", SyncErrorKind.Network, "" },
        { "two-gigabyte-literal", SyncErrorKind.Protocol, "2147483648-byte body" },
        { "garbage", SyncErrorKind.Protocol, "" },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Sync_HostileAnswerForOneMessage_FailsWithKindKeepsStoredMessagesBacksOffAndRecovers(string scenario, SyncErrorKind kind, string text)
    {
        await using var server = new FakeImapServer();
        server.Add(1, DovecotAccount.Message("hostile.1@sync.test", "first"));
        server.Add(2, DovecotAccount.Message("hostile.2@sync.test", "second"));
        server.Hostile = uid => uid == 2 ? Answer(scenario) : null;
        await using var silo = await SyncSilo.StartAsync(batchSize: 1);
        var key = "acme/hostile-" + scenario;

        var mailbox = await silo.CreateMailboxAsync(key, DovecotAccount.SourceFor(new("fake@example.test", "pw"), "pw", server.Port, [], host: "127.0.0.1"));
        var first = await silo.Observer.WaitForRunsAsync(key, 1);

        Assert.Equal(kind, first.LastErrorKind);
        Assert.Contains(text, first.LastError, StringComparison.Ordinal);
        Assert.Equal(1, first.MessageCount);
        Assert.Equal(1, first.ConsecutiveFailures);
        var row = Assert.Single(await silo.Index.ListAsync(key));
        Assert.Equal("hostile.1@sync.test", row.MessageId);
        await using (var blob = await silo.Blobs.OpenReadAsync(row.BlobName))
        {
            Assert.NotNull(blob);
            Assert.Equal(server.Messages[1].Raw.Length, blob.Length);
        }

        var failed = Assert.Single(await silo.EventsOfAsync(key, "mailbox.sync_failed"));
        Assert.Equal(kind.ToString().ToLowerInvariant(), JsonDocument.Parse(failed.PayloadJson).RootElement.GetProperty("kind").GetString());

        await mailbox.SyncNow();
        var second = await silo.Observer.WaitForRunsAsync(key, 2);

        Assert.Equal(2, second.ConsecutiveFailures);
        Assert.True(second.NextRetryAt - second.LastAttemptAt > first.NextRetryAt - first.LastAttemptAt,
            $"the second retry delay ({second.NextRetryAt - second.LastAttemptAt}) should be longer than the first ({first.NextRetryAt - first.LastAttemptAt})");

        server.Hostile = null;
        await mailbox.SyncNow();
        var healed = await silo.Observer.WaitForRunsAsync(key, 3);

        Assert.Equal(SyncErrorKind.None, healed.LastErrorKind);
        Assert.Equal(0, healed.ConsecutiveFailures);
        Assert.Equal(["hostile.1@sync.test", "hostile.2@sync.test"], (await silo.Index.ListAsync(key)).Select(r => r.MessageId));
        var received = await silo.EventsOfAsync(key, "message.received");
        Assert.Equal(["hostile.1@sync.test", "hostile.2@sync.test"], received.Select(e => JsonDocument.Parse(e.PayloadJson).RootElement.GetProperty("messageId").GetString()));
    }

    [Fact]
    public async Task Sync_ServerWithoutCondStore_SeesFlagChangesAndExpungesByUidListing()
    {
        await using var server = new FakeImapServer();
        server.Add(1, DovecotAccount.Message("plain.1@sync.test", "one"));
        server.Add(2, DovecotAccount.Message("plain.2@sync.test", "two"));
        server.Add(3, DovecotAccount.Message("plain.3@sync.test", "three"), "\\Seen");
        await using var silo = await SyncSilo.StartAsync();
        var mailbox = await silo.CreateMailboxAsync("acme/plain", DovecotAccount.SourceFor(new("fake@example.test", "pw"), "pw", server.Port, []));
        Assert.Equal(SyncErrorKind.None, (await silo.Observer.WaitForRunsAsync("acme/plain", 1)).LastErrorKind);

        server.Add(1, server.Messages[1].Raw, "\\Flagged \\Seen");
        server.Messages.Remove(2);
        await mailbox.SyncNow();
        var status = await silo.Observer.WaitForRunsAsync("acme/plain", 2);

        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        var rows = await silo.Index.ListAsync("acme/plain");
        Assert.Equal([1u, 3u], rows.Select(r => r.Uid));
        Assert.Equal("\\Flagged \\Seen", rows[0].Flags);
        Assert.Single(await silo.EventsOfAsync("acme/plain", "message.expunged"));
        Assert.Single(await silo.EventsOfAsync("acme/plain", "message.flags_changed"));
        var synced = await silo.EventsOfAsync("acme/plain", "mailbox.synced");
        Assert.Equal(0, JsonDocument.Parse(synced[^1].PayloadJson).RootElement.GetProperty("qresyncFolders").GetInt32());
    }

    [Fact]
    public async Task Sync_XOAuth2Source_AuthenticatesWithTheBearerTokenAndSyncs()
    {
        await using var server = new FakeImapServer("IMAP4rev1 SASL-IR AUTH=XOAUTH2");
        server.XOAuth2 = initial => initial == "user=oauth@example.test\u0001auth=Bearer token-123\u0001\u0001";
        server.Add(1, DovecotAccount.Message("oauth.1@sync.test", "oauth"));
        await using var silo = await SyncSilo.StartAsync();
        var source = new MailboxSource(SourceProtocol.Imap, "127.0.0.1", server.Port, SourceTls.None, "oauth@example.test", OAuthToken: "token-123",
            PollInterval: TimeSpan.FromHours(1), UseIdle: false);

        await silo.CreateMailboxAsync("acme/oauth", source);
        var status = await silo.Observer.WaitForRunsAsync("acme/oauth", 1);

        Assert.Equal(SyncErrorKind.None, status.LastErrorKind);
        Assert.Equal("oauth.1@sync.test", Assert.Single(await silo.Index.ListAsync("acme/oauth")).MessageId);
        Assert.True((await silo.Grains.GetGrain<IMailboxGrain>("acme/oauth").GetSource())!.UsesOAuth);
    }

    [Fact]
    public async Task Sync_XOAuth2TokenRejected_FailsWithKindAuth()
    {
        await using var server = new FakeImapServer("IMAP4rev1 SASL-IR AUTH=XOAUTH2");
        server.XOAuth2 = _ => false;
        await using var silo = await SyncSilo.StartAsync();
        var source = new MailboxSource(SourceProtocol.Imap, "127.0.0.1", server.Port, SourceTls.None, "oauth@example.test", OAuthToken: "expired",
            PollInterval: TimeSpan.FromHours(1), UseIdle: false);

        await silo.CreateMailboxAsync("acme/oauthbad", source);
        var status = await silo.Observer.WaitForRunsAsync("acme/oauthbad", 1);

        Assert.Equal(SyncErrorKind.Auth, status.LastErrorKind);
        Assert.DoesNotContain("expired", status.LastError, StringComparison.Ordinal);
        Assert.Single(await silo.EventsOfAsync("acme/oauthbad", "mailbox.auth_failed"));
    }

    private static (byte[] Bytes, bool Close) Answer(string scenario) => scenario switch
    {
        "malformed" => (Encoding.ASCII.GetBytes("* 2 FETCH (UID 2 RFC822.SIZE 10 BODY[] NOTASTRING)\r\n"), true),
        "bye" => (Encoding.ASCII.GetBytes("* BYE going down for maintenance\r\n"), true),
        "unterminated-literal" => (Encoding.ASCII.GetBytes("* 2 FETCH (UID 2 RFC822.SIZE 5000 BODY[] {5000}\r\nFrom: a@b\r\nSubject: cut"), true),
        "two-gigabyte-literal" => (Encoding.ASCII.GetBytes("* 2 FETCH (UID 2 RFC822.SIZE 2147483648 BODY[] {2147483648}\r\nxxxx"), false),
        "garbage" => ([0x00, 0xff, 0xfe, 0x01, (byte)'(', (byte)')', 0x7f, 0x80, (byte)'\r', (byte)'\n'], false),
        _ => throw new ArgumentOutOfRangeException(nameof(scenario), scenario, "unknown scenario"),
    };
}

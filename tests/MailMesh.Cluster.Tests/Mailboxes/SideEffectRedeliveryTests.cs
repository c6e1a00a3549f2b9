using System.Globalization;
using System.Text;
using MailMesh.Cluster.Tests.Processes;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Sharing;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;
using MailMesh.Runtime;
using MailMesh.Testing;
using Npgsql;

namespace MailMesh.Cluster.Tests.Mailboxes;

/// <summary>A call with an external side effect whose silo died after the peer carried the effect out, but before the
/// turn's state write: the fabric delivers it again (cluster-03: not applied), here to a new silo on the same store. The
/// side-effect record written before the effect (cluster-04) must keep the peer from seeing it twice.</summary>
[Collection(SiloProcessCollection.Name)]
public sealed class SideEffectRedeliveryTests : IAsyncLifetime
{
    private const string Mailbox = "acme/effects";
    private readonly string _schema = "e_" + Guid.NewGuid().ToString("N")[..20];
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "mailmesh-effects-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly string _tag = Guid.NewGuid().ToString("N")[..12];
    private readonly List<string> _folders = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (TestServers.IsReachable(Server.Dovecot) && _folders.Count > 0)
        {
            await using var dovecot = await ConnectAsync();
            foreach (var folder in _folders)
            {
                await dovecot.DeleteMailboxAsync(folder);
            }
        }

        if (TestServers.IsReachable(Server.Postgres))
        {
            await ClusterLeftovers.DropSchemaAsync(_schema);
        }

        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [ServerFact(Server.Postgres, Server.Dovecot, Server.SmtpCapture)]
    public async Task Move_RedeliveredAfterTheServerMovedItButTheSiloNeverHeard_IsNotRepeatedAndTheMessageStaysIndexedWithItsBlob()
    {
        var (source, destination) = ($"mmfx-src-{_tag}", $"mmfx-dst-{_tag}");
        var messageId = $"move.{_tag}@effects.test";
        await using (var dovecot = await ConnectAsync())
        {
            await dovecot.CreateMailboxAsync(source);
            _folders.Add(source);
            await dovecot.CreateMailboxAsync(destination);
            _folders.Add(destination);
            await dovecot.AppendAsync(source, Message(messageId, "to be moved"));
        }

        await using var imap = new TcpProxy(TestServers.Dovecot.Host, TestServers.Dovecot.ImapPort);
        var first = await EffectSilo.StartAsync(_schema, _dataDirectory, TestServers.SmtpCapture.Address.Port);
        await CreateSyncedMailboxAsync(first, imap.Port, source, destination);
        var row = await first.Grains.GetGrain<IMailboxGrain>(Mailbox).GetMessage(source, 1);
        Assert.Equal(messageId, row.MessageId);

        imap.SeverOn("UID MOVE");
        var interrupted = await Record.ExceptionAsync(() => first.DeliverAsync<IMailboxGrain, MovedMessage>(Mailbox, nameof(IMailboxGrain.Move), "m-move", source, 1u, destination));
        await imap.Severed;
        Assert.NotNull(interrupted);
        Assert.Equal((0, 1), await CountAsync(source, destination, messageId)); // the server did move it
        await first.DisposeAsync();

        await using var next = await EffectSilo.StartAsync(_schema, _dataDirectory, TestServers.SmtpCapture.Address.Port);
        var grain = new GrainId(typeof(IMailboxGrain).FullName!, Mailbox);
        Assert.False(await next.MessageLog.WasAppliedAsync(grain, "m-move"));
        var moved = await next.DeliverAsync<IMailboxGrain, MovedMessage>(Mailbox, nameof(IMailboxGrain.Move), "m-move", source, 1u, destination);

        Assert.True(await next.MessageLog.WasAppliedAsync(grain, "m-move"));
        Assert.Equal((0, 1), await CountAsync(source, destination, messageId));
        Assert.True(moved.Indexed, $"the redelivered move did not index the message in {destination}: {moved}");
        var mailbox = next.Grains.GetGrain<IMailboxGrain>(Mailbox);
        Assert.Equal(messageId, (await mailbox.GetMessage(destination, moved.Uid)).MessageId);
        var raw = Encoding.ASCII.GetString(await mailbox.ReadMessageRaw(destination, moved.Uid, 0, 64 * 1024));
        Assert.Contains($"Message-ID: <{messageId}>", raw, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MailboxItemNotFoundException>(() => mailbox.GetMessage(source, 1));
        Assert.Equal(1, await CountEventsAsync("message.moved"));
    }

    [ServerFact(Server.Postgres, Server.Dovecot, Server.SmtpCapture)]
    public async Task Send_RedeliveredAfterTheRelayTookItButTheSiloNeverHeard_IsNotSentAgain()
    {
        var subject = $"effects send {_tag}";
        await using var smtp = new TcpProxy(TestServers.SmtpCapture.Address.Host, TestServers.SmtpCapture.Address.Port);
        var first = await EffectSilo.StartAsync(_schema, _dataDirectory, smtp.Port);
        await first.Grains.GetGrain<IMailboxGrain>(Mailbox).Create(new CreateMailbox("Effects", "effects@example.test"));
        var request = new SendMailRequest(["someone@example.test"], [], [], subject, "Sent once.");

        smtp.SeverOn("\r\n.\r\n");
        var interrupted = await Record.ExceptionAsync(() => first.DeliverAsync<IMailboxSharingGrain, SentMail>(Mailbox, nameof(IMailboxSharingGrain.Send), "m-send", "alice", request));
        await smtp.Severed;
        Assert.NotNull(interrupted);
        Assert.Equal(1, await WaitForCapturedAsync(subject)); // the relay took it
        await first.DisposeAsync();

        await using var next = await EffectSilo.StartAsync(_schema, _dataDirectory, smtp.Port);
        var grain = new GrainId(typeof(IMailboxSharingGrain).FullName!, Mailbox);
        Assert.False(await next.MessageLog.WasAppliedAsync(grain, "m-send"));
        var redelivered = await Record.ExceptionAsync(() => next.DeliverAsync<IMailboxSharingGrain, SentMail>(Mailbox, nameof(IMailboxSharingGrain.Send), "m-send", "alice", request));

        Assert.IsType<InvalidOperationException>(redelivered);
        Assert.Contains("may have gone out; it is not repeated", redelivered.Message, StringComparison.Ordinal);
        // Another call (another message) sends normally, and the relay then holds exactly two: the redelivery sent nothing.
        var second = await next.DeliverAsync<IMailboxSharingGrain, SentMail>(Mailbox, nameof(IMailboxSharingGrain.Send), "m-send-2", "alice", request);
        Assert.False(second.Repeated);
        Assert.Equal(2, await WaitForCapturedAsync(subject, expected: 2));
    }

    [ServerFact(Server.Postgres, Server.Dovecot, Server.SmtpCapture)]
    public async Task Send_RedeliveredAfterTheRelayWasUnreachable_SendsOnce()
    {
        var subject = $"effects refused {_tag}";
        var closed = new Uri(Loopback.FreeHttpUrl()).Port; // nothing listens there
        var first = await EffectSilo.StartAsync(_schema, _dataDirectory, closed);
        await first.Grains.GetGrain<IMailboxGrain>(Mailbox).Create(new CreateMailbox("Effects", "effects@example.test"));
        var request = new SendMailRequest(["someone@example.test"], [], [], subject, "Sent once.");

        var refused = await Record.ExceptionAsync(() => first.DeliverAsync<IMailboxSharingGrain, SentMail>(Mailbox, nameof(IMailboxSharingGrain.Send), "m-send", "alice", request));
        Assert.NotNull(refused);
        await first.DisposeAsync();
        await using var next = await EffectSilo.StartAsync(_schema, _dataDirectory, TestServers.SmtpCapture.Address.Port);
        var grain = new GrainId(typeof(IMailboxSharingGrain).FullName!, Mailbox);
        // Nothing went out, so the record was dropped without marking the message applied: the redelivery sends.
        Assert.False(await next.MessageLog.WasAppliedAsync(grain, "m-send"));
        var sent = await next.DeliverAsync<IMailboxSharingGrain, SentMail>(Mailbox, nameof(IMailboxSharingGrain.Send), "m-send", "alice", request);

        Assert.False(sent.Repeated);
        Assert.Equal(1, await WaitForCapturedAsync(subject));
    }

    private static async Task CreateSyncedMailboxAsync(EffectSilo silo, int imapPort, params string[] folders)
    {
        var mailbox = silo.Grains.GetGrain<IMailboxGrain>(Mailbox);
        await mailbox.Create(new CreateMailbox("Effects", "effects@example.test"));
        var user = TestServers.Dovecot.Carol;
        await mailbox.ConfigureSource(new MailboxSource(SourceProtocol.Imap, "127.0.0.1", imapPort, SourceTls.None, user.Address, user.Password,
            Folders: folders, PollInterval: TimeSpan.FromHours(1), UseIdle: false));
        var runs = await mailbox.RequestSync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        MailboxSyncStatus status;
        while ((status = await mailbox.GetSyncStatus()).Runs < runs)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
        }

        Assert.True(status.LastErrorKind == SyncErrorKind.None, $"the first sync failed: {status.LastError}");
    }

    /// <summary>How many messages with <paramref name="messageId"/> each folder holds on the server.</summary>
    private static async Task<(int Source, int Destination)> CountAsync(string source, string destination, string messageId)
    {
        await using var dovecot = await ConnectAsync();
        async Task<int> Count(string folder)
        {
            await dovecot.ExamineAsync(folder);
            return (await dovecot.UidSearchAsync($"HEADER Message-ID \"{messageId}\"")).Count;
        }

        return (await Count(source), await Count(destination));
    }

    private async Task<long> CountEventsAsync(string type)
    {
        await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{_schema}\".event_log WHERE type = @type", connection);
        command.Parameters.AddWithValue("type", type);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Messages with <paramref name="subject"/> the capturing SMTP server stored, once it holds
    /// <paramref name="expected"/> (or after 10 s, whatever it holds then).</summary>
    private static async Task<int> WaitForCapturedAsync(string subject, int expected = 1)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var count = Directory.EnumerateFiles(TestServers.SmtpCapture.NewMessagesDirectory)
                .Count(f => File.ReadAllText(f).Contains("Subject: " + subject, StringComparison.Ordinal));
            if (count >= expected || DateTime.UtcNow > deadline)
            {
                return count;
            }

            // The server writes the file as it answers; polling its directory is all there is to wait on.
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    private static async Task<ImapClient> ConnectAsync()
    {
        var user = TestServers.Dovecot.Carol;
        var client = new ImapClient(new ImapClientOptions { Host = TestServers.Dovecot.Host, Port = TestServers.Dovecot.ImapPort, Tls = TlsMode.None, CommandTimeout = TimeSpan.FromSeconds(30) });
        await client.ConnectAsync();
        await client.AuthenticateAsync(user.Address, user.Password);
        return client;
    }

    private static byte[] Message(string messageId, string subject) => Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"From: Sender <sender@example.test>\r\nTo: carol@example.test\r\nSubject: {subject}\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
        $"Message-ID: <{messageId}>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nBody.\r\n"));
}

using System.Text;
using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Tests.Support;

namespace MailMesh.Protocols.Tests.Imap;

/// <summary>Responses a real server will not produce on demand, from a scripted socket-level server.</summary>
public sealed class ImapFakeServerTests
{
    private const string Greeting = "* PREAUTH [CAPABILITY IMAP4rev1 IDLE UIDPLUS ENABLE] ready\r\n";

    private static ImapClient Client(FakeServer server, TimeProvider? time = null, TimeSpan? commandTimeout = null) => new(new ImapClientOptions
    {
        Host = "127.0.0.1",
        Port = server.Port,
        Tls = TlsMode.None,
        CommandTimeout = commandTimeout ?? TimeSpan.FromSeconds(20),
        TimeProvider = time ?? TimeProvider.System,
    });

    /// <summary>Greets as PREAUTH and answers SELECT INBOX with 3 messages.</summary>
    private static async Task SelectAsync(FakeConnection c)
    {
        await c.SendAsync(Greeting);
        var tag = await c.ReadTagAsync("SELECT");
        await c.SendAsync($"* 3 EXISTS\r\n* OK [UIDVALIDITY 77] ok\r\n* OK [UIDNEXT 10] ok\r\n{tag} OK [READ-WRITE] done\r\n");
    }

    [Fact]
    public async Task ConnectAsync_GreetingBye_ThrowsServerClosedWithTheServersText()
    {
        await using var server = FakeServer.Start(c => c.SendAsync("* BYE Too many connections from your IP\r\n"));
        await using var client = Client(server);

        var error = await Assert.ThrowsAsync<ImapProtocolException>(() => client.ConnectAsync(TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.ServerClosed, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Contains("Too many connections", error.Message, StringComparison.Ordinal);
        Assert.Equal(ImapSessionState.Broken, client.State);
    }

    [Fact]
    public async Task ConnectAsync_NotAnImapServer_ThrowsMalformedAskingWhetherItIsImap()
    {
        await using var server = FakeServer.Start(c => c.SendAsync("SSH-2.0-OpenSSH_9.2\r\n"));
        await using var client = Client(server);

        var error = await Assert.ThrowsAsync<ImapProtocolException>(() => client.ConnectAsync(TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.MalformedResponse, error.Kind);
        Assert.Contains("is this an IMAP server?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoopAsync_GarbageResponseLine_BreaksTheSessionWithMalformedResponse()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await c.SendAsync(Greeting);
            await c.ReadTagAsync("NOOP");
            await c.SendAsync("lorem ipsum dolor\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());

        var error = await Assert.ThrowsAsync<ImapProtocolException>(() => client.NoopAsync(TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.MalformedResponse, error.Kind);
        Assert.Contains("'lorem'", error.Message, StringComparison.Ordinal);
        Assert.Equal(ImapSessionState.Broken, client.State);
        var reuse = await Assert.ThrowsAsync<InvalidOperationException>(() => client.NoopAsync(TestTimeout.Token()));
        Assert.Contains("Reconnect", reuse.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoopAsync_Bad_ThrowsCommandExceptionAndTheSessionStaysUsable()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await c.SendAsync(Greeting);
            var tag = await c.ReadTagAsync("NOOP");
            await c.SendAsync($"{tag} BAD [CLIENTBUG] Command not permitted now\r\n");
            tag = await c.ReadTagAsync("NOOP");
            await c.SendAsync($"{tag} OK fine\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());

        var error = await Assert.ThrowsAsync<ImapCommandException>(() => client.NoopAsync(TestTimeout.Token()));
        await client.NoopAsync(TestTimeout.Token());

        Assert.Equal(ImapResponseStatus.Bad, error.Status);
        Assert.Equal("CLIENTBUG", error.ResponseCode);
        Assert.Equal("Command not permitted now", error.ResponseText);
        Assert.False(error.IsTransient);
        Assert.Equal(ImapSessionState.Authenticated, client.State);
    }

    [Fact]
    public async Task UidFetchAsync_ConnectionDroppedMidLiteral_ThrowsNetworkErrorAfterStreamingWhatArrived()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await SelectAsync(c);
            await c.ReadTagAsync("UID FETCH");
            await c.SendAsync("* 1 FETCH (UID 5 BODY[] {1000}\r\nSubject: partial\r\n");
            c.Abort();
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());
        await client.SelectAsync("INBOX", cancellationToken: TestTimeout.Token());
        var sink = new CollectingSink();

        var error = await Assert.ThrowsAsync<ImapProtocolException>(
            () => client.UidFetchAsync(ImapUidSet.All, new ImapFetchRequest(ImapFetchItems.Body), sink, TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.Network, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Equal(ImapSessionState.Broken, client.State);
        Assert.Equal(5u, Assert.Single(sink.Parts).Uid);
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task UidFetchAsync_LiteralLongerThanAnnounced_ThrowsMalformed()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await SelectAsync(c);
            var tag = await c.ReadTagAsync("UID FETCH");
            await c.SendAsync($"* 1 FETCH (UID 5 BODY[] {{5}}\r\nhello world)\r\n{tag} OK done\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());
        await client.SelectAsync("INBOX", cancellationToken: TestTimeout.Token());

        var error = await Assert.ThrowsAsync<ImapProtocolException>(
            () => client.UidFetchAsync(ImapUidSet.All, new ImapFetchRequest(ImapFetchItems.Body), TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.MalformedResponse, error.Kind);
        Assert.Equal(ImapSessionState.Broken, client.State);
    }

    [Fact]
    public async Task UidFetchAsync_TwoGigabyteLiteralAnnounced_RefusesBeforeReadingIt()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await SelectAsync(c);
            await c.ReadTagAsync("UID FETCH");
            await c.SendAsync("* 1 FETCH (UID 5 BODY[] {2147483648}\r\nxxxx");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());
        await client.SelectAsync("INBOX", cancellationToken: TestTimeout.Token());
        var sink = new CollectingSink();

        var error = await Assert.ThrowsAsync<ImapProtocolException>(
            () => client.UidFetchAsync(ImapUidSet.All, new ImapFetchRequest(ImapFetchItems.Body), sink, TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.MalformedResponse, error.Kind);
        Assert.Contains("2147483648-byte body", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxLiteralSize", error.Message, StringComparison.Ordinal);
        Assert.Empty(sink.Parts);
    }

    [Fact]
    public async Task NoopAsync_ByeThenClose_ThrowsServerClosedWithTheByeText()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await c.SendAsync(Greeting);
            await c.ReadTagAsync("NOOP");
            await c.SendAsync("* BYE Server shutting down for maintenance\r\n");
            c.Close();
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());

        var error = await Assert.ThrowsAsync<ImapProtocolException>(() => client.NoopAsync(TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.ServerClosed, error.Kind);
        Assert.Contains("shutting down for maintenance", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UidFetchAsync_TrickyResponse_ParsesEnvelopeLiteralsEscapesNilAndUnknownItems()
    {
        const string Fetch =
            "* 2 FETCH (UID 42 X-GM-LABELS (\"\\\\Important\" foo) FLAGS (\\Seen $Junk) RFC822.SIZE 1234 " +
            "INTERNALDATE \" 7-Feb-2026 08:09:10 +0100\" MODSEQ (987654321012) BODYSTRUCTURE (\"text\" \"plain\" NIL NIL NIL \"7bit\" 5 1) " +
            "ENVELOPE (\"Sat, 7 Feb 2026 08:09:10 +0100\" {21}\r\nSubject with (parens) " +
            "((\"Anna \\\"Q\\\" Bee\" NIL \"anna\" \"example.test\")) NIL NIL ((NIL NIL \"bob\" \"example.test\")(\"Carl\" NIL \"carl\" \"example.test\")) NIL NIL NIL \"<id@example.test>\") " +
            "BODY[HEADER.FIELDS (SUBJECT)] {11}\r\nSubject: \r\n BODY[]<0> {5}\r\nhello)\r\n";
        await using var server = FakeServer.Start(async c =>
        {
            await SelectAsync(c);
            var tag = await c.ReadTagAsync("UID FETCH");
            await c.SendAsync(Fetch + $"{tag} OK done\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());
        await client.SelectAsync("INBOX", cancellationToken: TestTimeout.Token());

        var result = await client.UidFetchAsync(ImapUidSet.All, new ImapFetchRequest(ImapFetchItems.Summary | ImapFetchItems.Envelope | ImapFetchItems.Body), TestTimeout.Token());

        var message = Assert.Single(result.Messages);
        Assert.Equal(2u, message.SequenceNumber);
        Assert.Equal(42u, message.Uid);
        Assert.Equal(["\\Seen", "$Junk"], message.Flags);
        Assert.Equal(1234, message.Size);
        Assert.Equal(987654321012UL, message.ModSeq);
        Assert.Equal(new DateTimeOffset(2026, 2, 7, 8, 9, 10, TimeSpan.FromHours(1)), message.InternalDate);
        Assert.Equal("Subject with (parens)", message.Envelope!.Subject);
        Assert.Equal("Anna \"Q\" Bee", message.Envelope.From[0].Name);
        Assert.Equal("anna@example.test", message.Envelope.From[0].Address);
        Assert.Empty(message.Envelope.Sender);
        Assert.Equal(["bob@example.test", "carl@example.test"], message.Envelope.To.Select(a => a.Address));
        Assert.Null(message.Envelope.InReplyTo);
        Assert.Equal("<id@example.test>", message.Envelope.MessageId);
        Assert.Equal("hello", Encoding.ASCII.GetString(message.Body!.Value.Span));
        Assert.Null(message.Headers);
    }

    [Fact]
    public async Task LoginAsync_WithoutLiteralPlus_SendsNonAsciiPasswordAsLiteralAfterContinuation()
    {
        string? literal = null;
        await using var server = FakeServer.Start(async c =>
        {
            await c.SendAsync("* OK [CAPABILITY IMAP4rev1] ready\r\n");
            var line = await c.ReadLineAsync("LOGIN with a literal");
            Assert.EndsWith("{10}", line, StringComparison.Ordinal);
            await c.SendAsync("+ go ahead\r\n");
            literal = await c.ReadLineAsync("the literal and the end of LOGIN");
            await c.SendAsync(line[..line.IndexOf(' ', StringComparison.Ordinal)] + " OK [CAPABILITY IMAP4rev1 IDLE] in\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());

        await client.LoginAsync("user", "pässwörd", TestTimeout.Token());

        Assert.Equal("pässwörd", literal);
        Assert.True(client.Capabilities.Idle);
        Assert.Equal(ImapSessionState.Authenticated, client.State);
    }

    [Fact]
    public async Task UidMoveAsync_ServerWithoutMove_FallsBackToCopyStoreAndUidExpunge()
    {
        var commands = new List<string>();
        await using var server = FakeServer.Start(async c =>
        {
            await SelectAsync(c);
            foreach (var (expected, reply) in new[]
            {
                ("UID COPY", "OK [COPYUID 9 4:5 20:21] copied"),
                ("UID STORE", "OK stored"),
                ("UID EXPUNGE", "OK expunged"),
            })
            {
                var line = await c.ReadLineAsync(expected);
                commands.Add(line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
                if (expected == "UID EXPUNGE")
                {
                    await c.SendAsync("* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n");
                }

                await c.SendAsync(line[..line.IndexOf(' ', StringComparison.Ordinal)] + " " + reply + "\r\n");
            }
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());
        await client.SelectAsync("INBOX", cancellationToken: TestTimeout.Token());

        var moved = await client.UidMoveAsync(ImapUidSet.Range(4, 5), "Archive", TestTimeout.Token());

        Assert.Equal(["UID COPY 4:5 Archive", "UID STORE 4:5 +FLAGS.SILENT (\\Deleted)", "UID EXPUNGE 4:5"], commands);
        Assert.Equal("20:21", moved!.DestinationUids.ToString());
        Assert.Equal(1u, client.Selected!.Count);
    }

    [Fact]
    public async Task NoopAsync_ServerNeverAnswers_TimesOutAndBreaksTheSession()
    {
        var time = new ManualTimeProvider();
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = FakeServer.Start(async c =>
        {
            await c.SendAsync(Greeting);
            await c.ReadTagAsync("NOOP");
            received.SetResult();
            await release.Task;
        });
        await using var client = Client(server, time, TimeSpan.FromMinutes(2));
        await client.ConnectAsync(TestTimeout.Token());

        var noop = client.NoopAsync(TestTimeout.Token());
        await received.Task.Within(TestTimeout.Step, "the fake server to receive NOOP");
        time.Advance(TimeSpan.FromMinutes(3));
        var error = await Assert.ThrowsAsync<ImapProtocolException>(() => noop);
        release.SetResult();

        Assert.Equal(ProtocolFailureKind.Timeout, error.Kind);
        Assert.Contains("did not respond within 00:02:00", error.Message, StringComparison.Ordinal);
        Assert.Equal(ImapSessionState.Broken, client.State);
    }

    [Fact]
    public async Task IdleAsync_RefreshIntervalPasses_SendsDoneAndReissuesIdle()
    {
        var time = new ManualTimeProvider();
        var firstIdle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondIdle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = FakeServer.Start(async c =>
        {
            await SelectAsync(c);
            var tag = await c.ReadTagAsync("IDLE");
            await c.SendAsync("+ idling\r\n");
            firstIdle.SetResult();
            Assert.Equal("DONE", await c.ReadLineAsync("DONE after the refresh interval"));
            await c.SendAsync("* 4 EXISTS\r\n" + tag + " OK Idle completed\r\n");
            tag = await c.ReadTagAsync("IDLE");
            await c.SendAsync("+ idling\r\n");
            secondIdle.SetResult();
            Assert.Equal("DONE", await c.ReadLineAsync("DONE when the caller stops"));
            await c.SendAsync(tag + " OK Idle completed\r\n");
        });
        await using var client = Client(server, time);
        await client.ConnectAsync(TestTimeout.Token());
        await client.SelectAsync("INBOX", cancellationToken: TestTimeout.Token());
        using var done = new CancellationTokenSource();

        var idling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.StateChanged += (_, state) =>
        {
            if (state == ImapSessionState.Idle)
            {
                idling.TrySetResult();
            }
        };

        var idle = client.IdleAsync(done.Token, TestTimeout.Token());
        await firstIdle.Task.Within(TestTimeout.Step, "the first IDLE");
        await idling.Task.Within(TestTimeout.Step, "the client to enter IDLE");
        time.Advance(TimeSpan.FromMinutes(26));
        await secondIdle.Task.Within(TestTimeout.Step, "IDLE to be re-issued after 25 minutes");
        await done.CancelAsync();
        await idle.Within(TestTimeout.Step, "IDLE to end");
        await server.Completion.Within(TestTimeout.Step, "the fake server script to finish");

        Assert.Equal(4u, client.Selected!.Count);
        Assert.Equal(ImapSessionState.Selected, client.State);
    }
}

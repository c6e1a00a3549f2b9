using MailMesh.Protocols.Pop3;
using MailMesh.Protocols.Tests.Support;

namespace MailMesh.Protocols.Tests.Pop3;

public sealed class Pop3FakeServerTests
{
    private static Pop3Client Client(FakeServer server) => new(new Pop3ClientOptions
    {
        Host = "127.0.0.1",
        Port = server.Port,
        Tls = TlsMode.None,
        CommandTimeout = TimeSpan.FromSeconds(20),
    });

    /// <summary>Greets, answers CAPA, accepts USER/PASS and answers the post-login CAPA.</summary>
    private static async Task LoginAsync(FakeConnection c)
    {
        await c.SendAsync("+OK ready <1896.697170952@example.test>\r\n");
        await c.ReadLineAsync("CAPA");
        await c.SendAsync("+OK\r\nUSER\r\nUIDL\r\nTOP\r\nRESP-CODES\r\n.\r\n");
        await c.ReadLineAsync("USER");
        await c.SendAsync("+OK\r\n");
        await c.ReadLineAsync("PASS");
        await c.SendAsync("+OK logged in\r\n");
        await c.ReadLineAsync("CAPA after login");
        await c.SendAsync("+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n");
    }

    private static async Task<Pop3Client> ConnectAsync(FakeServer server)
    {
        var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());
        await client.LoginAsync("u", "p", TestTimeout.Token());
        return client;
    }

    [Fact]
    public async Task ConnectAsync_ErrGreeting_ThrowsServerClosedWithTheText()
    {
        await using var server = FakeServer.Start(c => c.SendAsync("-ERR [SYS/TEMP] maintenance\r\n"));
        await using var client = Client(server);

        var error = await Assert.ThrowsAsync<Pop3ProtocolException>(() => client.ConnectAsync(TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.ServerClosed, error.Kind);
        Assert.Contains("maintenance", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetrieveAsync_ConnectionDroppedMidMessage_ThrowsNetworkError()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await LoginAsync(c);
            await c.ReadLineAsync("RETR");
            await c.SendAsync("+OK 1000 octets\r\nSubject: partial\r\n");
            c.Abort();
        });
        await using var client = await ConnectAsync(server);
        using var sink = new MemoryStream();

        var error = await Assert.ThrowsAsync<Pop3ProtocolException>(() => client.RetrieveAsync(1, sink, TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.Network, error.Kind);
        Assert.Equal(Pop3SessionState.Broken, client.State);
    }

    [Fact]
    public async Task StatAsync_GarbageReply_ThrowsMalformedAndBreaks()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await LoginAsync(c);
            await c.ReadLineAsync("STAT");
            await c.SendAsync("* OK this is IMAP\r\n");
        });
        await using var client = await ConnectAsync(server);

        var error = await Assert.ThrowsAsync<Pop3ProtocolException>(() => client.StatAsync(TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.MalformedResponse, error.Kind);
        Assert.Contains("'* OK this is IMAP'", error.Message, StringComparison.Ordinal);
        Assert.Equal(Pop3SessionState.Broken, client.State);
    }

    [Fact]
    public async Task LoginAsync_MailboxInUse_ThrowsTransientCommandError()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await c.SendAsync("+OK ready\r\n");
            await c.ReadLineAsync("CAPA");
            await c.SendAsync("-ERR unknown command\r\n");
            await c.ReadLineAsync("USER");
            await c.SendAsync("+OK\r\n");
            await c.ReadLineAsync("PASS");
            await c.SendAsync("-ERR [IN-USE] Mailbox locked by another session\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());

        var error = await Assert.ThrowsAsync<Pop3CommandException>(() => client.LoginAsync("u", "p", TestTimeout.Token()));

        Assert.Empty(client.Capabilities.Names);
        Assert.Equal("IN-USE", error.ResponseCode);
        Assert.True(error.IsTransient);
        Assert.False(error.IsAuthenticationFailure);
        Assert.Equal(Pop3SessionState.Authorization, client.State);
    }

    [Fact]
    public async Task ApopAsync_GreetingTimestamp_SendsRfc1939Digest()
    {
        string? apop = null;
        await using var server = FakeServer.Start(async c =>
        {
            await c.SendAsync("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n");
            await c.ReadLineAsync("CAPA");
            await c.SendAsync("-ERR no CAPA\r\n");
            apop = await c.ReadLineAsync("APOP");
            await c.SendAsync("+OK maildrop has 1 message\r\n");
            await c.ReadLineAsync("CAPA after login");
            await c.SendAsync("-ERR no CAPA\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());

        await client.ApopAsync("mrose", "tanstaaf", TestTimeout.Token());

        // The example from RFC 1939 section 7.
        Assert.Equal("APOP mrose c4c9334bac560ecc979e58001b3e22fb", apop);
        Assert.Equal(Pop3SessionState.Transaction, client.State);
    }
}

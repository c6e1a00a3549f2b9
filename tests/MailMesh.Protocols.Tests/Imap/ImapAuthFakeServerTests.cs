using System.Text;
using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Sasl;
using MailMesh.Protocols.Tests.Support;

namespace MailMesh.Protocols.Tests.Imap;

/// <summary>SASL exchanges, capability tracking, concurrency and cancellation rules, against a scripted server.</summary>
public sealed class ImapAuthFakeServerTests
{
    private static ImapClient Client(FakeServer server) => new(new ImapClientOptions
    {
        Host = "127.0.0.1",
        Port = server.Port,
        Tls = TlsMode.None,
        CommandTimeout = TimeSpan.FromSeconds(20),
    });

    [Fact]
    public async Task AuthenticateAsync_PlainWithoutSaslIr_AnswersTheContinuationAndTakesCapabilitiesFromOk()
    {
        string? response = null;
        await using var server = FakeServer.Start(async c =>
        {
            await c.SendAsync("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n");
            var tag = await c.ReadTagAsync("AUTHENTICATE PLAIN");
            await c.SendAsync("+ \r\n");
            response = await c.ReadLineAsync("the PLAIN response");
            await c.SendAsync($"{tag} OK [CAPABILITY IMAP4rev1 MOVE QRESYNC] Logged in\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());

        await client.AuthenticateAsync("ann", "secret", TestTimeout.Token());

        Assert.Equal("\0ann\0secret", Encoding.UTF8.GetString(Convert.FromBase64String(response!)));
        Assert.True(client.Capabilities.Move);
        Assert.True(client.Capabilities.CondStore);
        Assert.Equal(ImapSessionState.Authenticated, client.State);
    }

    [Fact]
    public async Task AuthenticateAsync_XOAuth2Rejected_ReadsTheErrorAnswersEmptyAndThrowsAuthenticationFailure()
    {
        string? initial = null;
        string? afterError = null;
        await using var server = FakeServer.Start(async c =>
        {
            await c.SendAsync("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] hi\r\n");
            var line = await c.ReadLineAsync("AUTHENTICATE XOAUTH2 with an initial response");
            initial = line.Split(' ')[3];
            await c.SendAsync("+ " + Convert.ToBase64String("{\"status\":\"401\"}"u8.ToArray()) + "\r\n");
            afterError = await c.ReadLineAsync("the empty answer to the error challenge");
            await c.SendAsync(line.Split(' ')[0] + " NO [AUTHENTICATIONFAILED] Invalid credentials\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());
        var mechanism = new SaslXOAuth2("ann@example.test", "token-123");

        var error = await Assert.ThrowsAsync<ImapCommandException>(() => client.AuthenticateAsync(mechanism, TestTimeout.Token()));

        Assert.Equal("user=ann@example.test\u0001auth=Bearer token-123\u0001\u0001", Encoding.UTF8.GetString(Convert.FromBase64String(initial!)));
        Assert.Equal(string.Empty, afterError);
        Assert.Equal("{\"status\":\"401\"}", mechanism.ServerError);
        Assert.True(error.IsAuthenticationFailure);
        Assert.Equal(ImapSessionState.NotAuthenticated, client.State);
    }

    [Fact]
    public async Task ConnectAsync_GreetingWithoutCapabilities_AsksForThem()
    {
        await using var server = FakeServer.Start(async c =>
        {
            await c.SendAsync("* OK hi\r\n");
            var tag = await c.ReadTagAsync("CAPABILITY");
            await c.SendAsync($"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED AUTH=PLAIN\r\n{tag} OK done\r\n");
        });
        await using var client = Client(server);

        await client.ConnectAsync(TestTimeout.Token());

        Assert.True(client.Capabilities.StartTls);
        Assert.True(client.Capabilities.LoginDisabled);
        Assert.Equal(["PLAIN"], client.Capabilities.AuthenticationMechanisms);
        await Assert.ThrowsAsync<NotSupportedException>(() => client.LoginAsync("a", "b", TestTimeout.Token()));
    }

    [Fact]
    public async Task StartTls_ServerWithoutStartTls_RefusesToContinueInClearText()
    {
        await using var server = FakeServer.Start(c => c.SendAsync("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n"));
        await using var client = new ImapClient(new ImapClientOptions { Host = "127.0.0.1", Port = server.Port, Tls = TlsMode.StartTls });

        var error = await Assert.ThrowsAsync<ImapProtocolException>(() => client.ConnectAsync(TestTimeout.Token()));

        Assert.Equal(ProtocolFailureKind.Tls, error.Kind);
        Assert.Contains("does not offer STARTTLS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoopAsync_WhileAnotherCommandRuns_ThrowsInvalidOperation()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = FakeServer.Start(async c =>
        {
            await c.SendAsync("* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
            var tag = await c.ReadTagAsync("NOOP");
            received.SetResult();
            await release.Task;
            await c.SendAsync($"{tag} OK done\r\n");
            var next = await c.ReadLineAsync("LOGOUT as the next command (the refused NOOP must not have been sent)");
            Assert.EndsWith("LOGOUT", next, StringComparison.Ordinal);
            await c.SendAsync($"* BYE bye\r\n{next.Split(' ')[0]} OK done\r\n");
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());

        var first = client.NoopAsync(TestTimeout.Token());
        await received.Task.Within(TestTimeout.Step, "the first NOOP to reach the server");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => client.NoopAsync(TestTimeout.Token()));
        release.SetResult();
        await first;
        Assert.Equal(ImapSessionState.Authenticated, client.State);
        await client.LogoutAsync(TestTimeout.Token());
        await server.Completion.Within(TestTimeout.Step, "the fake server script to finish");

        Assert.Contains("already running a command", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoopAsync_CancelledWhileInFlight_ThrowsCancellationAndBreaksTheSession()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = FakeServer.Start(async c =>
        {
            await c.SendAsync("* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
            await c.ReadTagAsync("NOOP");
            received.SetResult();
            await release.Task;
        });
        await using var client = Client(server);
        await client.ConnectAsync(TestTimeout.Token());
        using var cancel = new CancellationTokenSource();

        var noop = client.NoopAsync(cancel.Token);
        await received.Task.Within(TestTimeout.Step, "NOOP to reach the server");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => noop);
        release.SetResult();
        Assert.Equal(ImapSessionState.Broken, client.State);
        Assert.Equal(ProtocolFailureKind.Cancelled, client.BreakReason?.Kind);
    }
}

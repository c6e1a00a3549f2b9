using System.Text;
using MailMesh.Protocols.Smtp;
using MailMesh.Protocols.Smtp.Internal;
using MailMesh.Protocols.Tests.Support;

namespace MailMesh.Protocols.Tests.Smtp;

/// <summary>What the real servers will not do on demand: garbage replies, a pooled session closed while idle, and the
/// exact bytes of a pipelined BDAT transaction.</summary>
public sealed class SmtpRelayPoolFakeRelayTests
{
    private static SmtpRelayOptions Relay(int port) => new() { Host = "127.0.0.1", Port = port, Tls = TlsMode.None, LocalDomain = "client.test" };

    private static MailSubmission Mail(params string[] recipients) => new("s@example.org", recipients, "Subject: t\r\n\r\nbody\r\n"u8.ToArray());

    private static async Task AcceptOneMessageAsync(FakeConnection c)
    {
        await c.ReadLineAsync("MAIL");
        await c.ReadLineAsync("RCPT");
        await c.ReadLineAsync("DATA");
        await c.SendAsync("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n");
        while (await c.ReadLineAsync("message data") != ".")
        {
        }

        await c.SendAsync("250 2.0.0 queued\r\n");
    }

    [Fact]
    public async Task SubmitAsync_PooledSessionClosedByRelayWhileIdle_SendsAgainOnNewSession()
    {
        await using var relay = new ScriptedRelay(async (c, index) =>
        {
            await ScriptedRelay.GreetAsync(c, "250 PIPELINING\r\n");
            await AcceptOneMessageAsync(c);
            if (index == 0)
            {
                c.Close();
            }
            else
            {
                Assert.Equal("QUIT", await c.ReadLineAsync("QUIT"));
                await c.SendAsync("221 bye\r\n");
            }
        });
        var pool = new SmtpRelayPool(Relay(relay.Port));
        var first = await pool.SubmitAsync(Mail("a@example.org"), TestTimeout.Token());
        await relay.Sessions(1).Within(TestTimeout.Step, "the relay to close the first session");

        var second = await pool.SubmitAsync(Mail("b@example.org"), TestTimeout.Token());
        await pool.DisposeAsync();
        await relay.Sessions(2).Within(TestTimeout.Step, "the second session to end with QUIT");

        Assert.Equal(SubmissionStatus.Accepted, first.Recipients[0].Status);
        Assert.Equal((SubmissionStatus.Accepted, 250, "2.0.0", "queued"), (second.Recipients[0].Status, second.Recipients[0].Code, second.Recipients[0].EnhancedCode, second.Recipients[0].Reply));
        Assert.Equal(2, pool.ConnectionsOpened);
        Assert.Equal(0, pool.OpenConnections);
    }

    [Fact]
    public async Task SubmitAsync_GarbageReply_DefersWithMalformedReplyReason()
    {
        await using var relay = new ScriptedRelay(async (c, index) =>
        {
            await ScriptedRelay.GreetAsync(c, "250 PIPELINING\r\n");
            await c.ReadLineAsync("MAIL");
            await c.SendAsync("hello, this is not SMTP\r\n");
        });
        await using var pool = new SmtpRelayPool(Relay(relay.Port));

        var result = await pool.SubmitAsync(Mail("a@example.org", "b@example.org"), TestTimeout.Token());

        Assert.All(result.Recipients, r => Assert.Equal((SubmissionStatus.Deferred, 0), (r.Status, r.Code)));
        Assert.Contains("Malformed SMTP reply", result.Recipients[0].Reply, StringComparison.Ordinal);
        Assert.Equal(0, pool.OpenConnections);
    }

    [Fact]
    public async Task SubmitAsync_RelayRefusesConnection_DefersEveryRecipient()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var pool = new SmtpRelayPool(Relay(port));
        var result = await pool.SubmitAsync(Mail("a@example.org"), TestTimeout.Token());

        Assert.Equal((SubmissionStatus.Deferred, 0), (result.Recipients[0].Status, result.Recipients[0].Code));
        Assert.Contains("Could not open a session", result.Recipients[0].Reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendTransactionAsync_ChunkingWithPipelining_WholeTransactionInOneRoundTrip()
    {
        var seen = new List<string>();
        await using var relay = new ScriptedRelay(async (c, index) =>
        {
            await ScriptedRelay.GreetAsync(c, "250-PIPELINING\r\n250-DSN\r\n250 CHUNKING\r\n");
            for (var i = 0; i < 6; i++)
            {
                seen.Add(await c.ReadLineAsync("the pipelined transaction"));
            }

            await c.SendAsync("250 2.1.0 ok\r\n550 5.1.1 unknown\r\n250 2.1.5 ok\r\n250 2.0.0 got it\r\n");
        });
        await using var client = new SmtpClient(new SmtpClientOptions { Host = "127.0.0.1", Port = relay.Port, Tls = TlsMode.None, LocalDomain = "client.test" });
        await client.ConnectAsync(TestTimeout.Token());

        var result = await client.SendTransactionAsync(new SmtpEnvelope("s@example.org", ["x@example.org", "y@example.org"]) { Notify = DsnNotify.Never },
            "Subject: t\n\n.dot\n"u8.ToArray(), TestTimeout.Token());

        Assert.Equal(["MAIL FROM:<s@example.org>", "RCPT TO:<x@example.org> NOTIFY=NEVER ORCPT=rfc822;x@example.org",
            "RCPT TO:<y@example.org> NOTIFY=NEVER ORCPT=rfc822;y@example.org", "BDAT 20 LAST", "Subject: t", ""], seen);
        Assert.True(result.Delivered);
        Assert.Equal([false, true], result.Recipients.Select(r => r!.IsPositive));
        Assert.Equal("250 2.0.0 got it", result.Data!.ToString());
        Assert.Equal(4, client.TransactionRepliesRead);
    }

    [Fact]
    public async Task SendTransactionAsync_NotifyNeverWithFailure_ThrowsBeforeSending()
    {
        await using var client = new SmtpClient(new SmtpClientOptions { Host = "127.0.0.1", Port = 1, Tls = TlsMode.None });
        var error = await Assert.ThrowsAsync<ArgumentException>(() => client.SendTransactionAsync(
            new SmtpEnvelope("s@example.org", ["x@example.org"]) { Notify = DsnNotify.Never | DsnNotify.Failure }, "x"u8.ToArray(), TestTimeout.Token()));

        Assert.Contains("NOTIFY=NEVER", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(998, false)]
    [InlineData(999, true)]
    public void Inspect_LineLength_RefusesOver998Octets(int length, bool refused)
    {
        var message = Encoding.ASCII.GetBytes("Subject: x\r\n\r\n" + new string('a', length) + "\r\n");
        var error = Record.Exception(() => SmtpContent.Inspect(message));

        Assert.Equal(refused, error is SmtpMessageException { Problem: SmtpMessageProblem.LineTooLong });
    }

    [Fact]
    public void Inspect_NulAndBareLineEnds_RefusesNulAndCountsAddedCarriageReturns()
    {
        var nul = Assert.Throws<SmtpMessageException>(() => SmtpContent.Inspect("a\r\nb\0c\r\n"u8));
        var info = SmtpContent.Inspect("a\nb\r\n.c"u8);

        Assert.Equal(SmtpMessageProblem.NulOctet, nul.Problem);
        Assert.Contains("line 2", nul.Message, StringComparison.Ordinal);
        Assert.Equal((false, true, 10L), (info.IsCrlf, info.HasLeadingDot, info.WireLength));
    }

    [Theory]
    [InlineData(250, "2.1.5 ok", "2.1.5")]
    [InlineData(250, "5.1.1 ok", null)]
    [InlineData(550, "5.1.10 unknown", "5.1.10")]
    [InlineData(450, "busy", null)]
    public void EnhancedCode_ClassMustMatchReplyCode(int code, string text, string? expected) =>
        Assert.Equal(expected, new SmtpReply(code, [text]).EnhancedCode);
}

using MailMesh.Protocols.Smtp;
using MailMesh.Protocols.Tests.Support;

namespace MailMesh.Protocols.Tests.Smtp;

/// <summary>Queued submissions on one session: the next message's MAIL, RCPT and DATA go out behind the final dot of the
/// one before (RFC 2920 section 3.1), with each reply matched to its message and recipient.</summary>
public sealed class SmtpRelayPoolPipeliningTests
{
    private static SmtpRelayOptions OneSession(int port) =>
        new() { Host = "127.0.0.1", Port = port, Tls = TlsMode.None, LocalDomain = "client.test", MaxConnections = 1 };

    private static MailSubmission Mail(string recipient) => new("s@example.org", [recipient], "Subject: t\r\n\r\nbody\r\n"u8.ToArray());

    /// <summary>Greets with PIPELINING, accepts the session's first transaction and reads its data up to the final dot,
    /// leaving that message without its reply.</summary>
    private static async Task ServeFirstMessageToItsDotAsync(FakeConnection c)
    {
        await ScriptedRelay.GreetAsync(c, "250 PIPELINING\r\n");
        await c.ReadLinesThroughAsync("DATA", "the session's first transaction");
        await c.SendAsync("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n");
        await c.ReadLinesThroughAsync(".", "the first message's data");
    }

    [Fact]
    public async Task SubmitAsync_QueuedSubmissions_NextCommandsFollowTheFinalDotBeforeItsReply()
    {
        var submitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var afterFirstDot = new List<string>();
        await using var relay = new ScriptedRelay(async (c, index) =>
        {
            await submitted.Task;
            await ServeFirstMessageToItsDotAsync(c);
            // No reply to the first message yet: what follows was sent without waiting for it.
            afterFirstDot.AddRange(await c.ReadLinesThroughAsync("DATA", "the second transaction behind the first final dot"));
            await c.SendAsync("250 2.0.0 first queued\r\n250 2.1.0 ok\r\n550 5.1.1 unknown\r\n554 5.5.1 no valid recipients\r\n");
            Assert.Equal("RSET", await c.ReadLineAsync("RSET after the refused second transaction"));
            await c.SendAsync("250 2.0.0 reset\r\n");
            Assert.Equal("MAIL FROM:<s@example.org>", await c.ReadLineAsync("the third transaction"));
            Assert.Equal("RCPT TO:<c@example.org>", await c.ReadLineAsync("the third RCPT"));
            Assert.Equal("DATA", await c.ReadLineAsync("the third DATA"));
            await c.SendAsync("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n");
            await c.ReadLinesThroughAsync(".", "the third message's data");
            await c.SendAsync("250 2.0.0 third queued\r\n");
            Assert.Equal("QUIT", await c.ReadLineAsync("QUIT"));
            await c.SendAsync("221 bye\r\n");
        });
        var pool = new SmtpRelayPool(OneSession(relay.Port));
        var first = pool.SubmitAsync(Mail("a@example.org"), TestTimeout.Token());
        var second = pool.SubmitAsync(Mail("bad@example.org"), TestTimeout.Token());
        var third = pool.SubmitAsync(Mail("c@example.org"), TestTimeout.Token());
        submitted.SetResult();

        var results = await Task.WhenAll(first, second, third).Within(TestTimeout.Step, "the three submissions");
        await pool.DisposeAsync();
        await relay.Sessions(1).Within(TestTimeout.Step, "the session to end with QUIT");

        Assert.Equal(["MAIL FROM:<s@example.org>", "RCPT TO:<bad@example.org>", "DATA"], afterFirstDot);
        Assert.Equal((SubmissionStatus.Accepted, 250, "first queued"), (results[0].Recipients[0].Status, results[0].Recipients[0].Code, results[0].Recipients[0].Reply));
        Assert.Equal((SubmissionStatus.Failed, 550, "5.1.1", "unknown"),
            (results[1].Recipients[0].Status, results[1].Recipients[0].Code, results[1].Recipients[0].EnhancedCode, results[1].Recipients[0].Reply));
        Assert.Equal((SubmissionStatus.Accepted, "third queued"), (results[2].Recipients[0].Status, results[2].Recipients[0].Reply));
        Assert.Equal(1, pool.ConnectionsOpened);
    }

    [Fact]
    public async Task SubmitAsync_SessionDropsAfterAnnouncingNext_FirstMayBeDeliveredAndNextGoesOnNewSession()
    {
        var submitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var relay = new ScriptedRelay(async (c, index) =>
        {
            await submitted.Task;
            await ServeFirstMessageToItsDotAsync(c);
            if (index == 0)
            {
                await c.ReadLinesThroughAsync("DATA", "the announced transaction");
                c.Close();
                return;
            }

            await c.SendAsync("250 2.0.0 queued on the second session\r\n");
            Assert.Equal("QUIT", await c.ReadLineAsync("QUIT"));
            await c.SendAsync("221 bye\r\n");
        });
        var pool = new SmtpRelayPool(OneSession(relay.Port));
        var first = pool.SubmitAsync(Mail("a@example.org"), TestTimeout.Token());
        var second = pool.SubmitAsync(Mail("b@example.org"), TestTimeout.Token());
        submitted.SetResult();

        var results = await Task.WhenAll(first, second).Within(TestTimeout.Step, "both submissions");
        await pool.DisposeAsync();
        await relay.Sessions(2).Within(TestTimeout.Step, "the second session to end with QUIT");

        Assert.Equal((SubmissionStatus.Deferred, 0), (results[0].Recipients[0].Status, results[0].Recipients[0].Code));
        Assert.Contains("may have been delivered", results[0].Recipients[0].Reply, StringComparison.Ordinal);
        Assert.Equal((SubmissionStatus.Accepted, "queued on the second session"), (results[1].Recipients[0].Status, results[1].Recipients[0].Reply));
        Assert.Equal(2, pool.ConnectionsOpened);
        Assert.Equal(0, pool.OpenConnections);
    }

    [Fact]
    public async Task SubmitAsync_CancelledWhileQueued_IsNeverSent()
    {
        var submitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var afterFirstDot = new List<string>();
        await using var relay = new ScriptedRelay(async (c, index) =>
        {
            await submitted.Task;
            await ServeFirstMessageToItsDotAsync(c);
            afterFirstDot.AddRange(await c.ReadLinesThroughAsync("DATA", "the third transaction behind the first final dot"));
            await c.SendAsync("250 2.0.0 first\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n");
            await c.ReadLinesThroughAsync(".", "the third message's data");
            await c.SendAsync("250 2.0.0 third\r\n");
            Assert.Equal("QUIT", await c.ReadLineAsync("QUIT"));
            await c.SendAsync("221 bye\r\n");
        });
        var pool = new SmtpRelayPool(OneSession(relay.Port));
        using var cancel = new CancellationTokenSource();
        var first = pool.SubmitAsync(Mail("a@example.org"), TestTimeout.Token());
        var second = pool.SubmitAsync(Mail("b@example.org"), cancel.Token);
        var third = pool.SubmitAsync(Mail("c@example.org"), TestTimeout.Token());
        await cancel.CancelAsync();
        submitted.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        var results = await Task.WhenAll(first, third).Within(TestTimeout.Step, "the first and third submissions");
        await pool.DisposeAsync();
        await relay.Sessions(1).Within(TestTimeout.Step, "the session to end with QUIT");

        Assert.Equal(["MAIL FROM:<s@example.org>", "RCPT TO:<c@example.org>", "DATA"], afterFirstDot);
        Assert.Equal(["first", "third"], results.Select(r => r.Recipients[0].Reply));
    }
}

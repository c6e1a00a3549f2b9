using MailMesh.Protocols.Smtp;
using MailMesh.Protocols.Tests.Support;

namespace MailMesh.Protocols.Tests.Smtp;

/// <summary>A session that has sent the data of its message with nothing behind it asks for no more submissions until
/// that message is answered: one queued meanwhile gets a session of its own rather than waiting for the reply.</summary>
public sealed class SmtpRelayPoolSessionTests
{
    private static SmtpRelayOptions TwoSessions(int port) =>
        new() { Host = "127.0.0.1", Port = port, Tls = TlsMode.None, LocalDomain = "client.test", MaxConnections = 2 };

    private static MailSubmission Mail(string recipient) => new("s@example.org", [recipient], "Subject: t\r\n\r\nbody\r\n"u8.ToArray());

    [Fact]
    public async Task SubmitAsync_QueuedWhileTheOnlySessionAwaitsItsFinalReply_OpensASecondSession()
    {
        var firstDotRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var relay = new ScriptedRelay(async (c, index) =>
        {
            await ScriptedRelay.GreetAsync(c, "250 PIPELINING\r\n");
            await c.ReadLinesThroughAsync("DATA", "a session's transaction");
            await c.SendAsync("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n");
            await c.ReadLinesThroughAsync(".", "the message's data");
            if (index == 0)
            {
                // Nothing was queued at the 354: the first session asks for no more until this reply, held back.
                firstDotRead.SetResult();
                await secondDone.Task;
            }

            await c.SendAsync($"250 2.0.0 on session {index}\r\n");
            Assert.Equal("QUIT", await c.ReadLineAsync("QUIT"));
            await c.SendAsync("221 bye\r\n");
        });
        var pool = new SmtpRelayPool(TwoSessions(relay.Port));
        var first = pool.SubmitAsync(Mail("a@example.org"), TestTimeout.Token());
        await firstDotRead.Task.Within(TestTimeout.Step, "the first message's final dot");

        var second = await pool.SubmitAsync(Mail("b@example.org"), TestTimeout.Token()).Within(TestTimeout.Step, "the second submission");
        secondDone.SetResult();
        var firstResult = await first.Within(TestTimeout.Step, "the first submission");
        await pool.DisposeAsync();
        await relay.Sessions(2).Within(TestTimeout.Step, "both sessions to end with QUIT");

        Assert.Equal("on session 1", second.Recipients[0].Reply);
        Assert.Equal("on session 0", firstResult.Recipients[0].Reply);
        Assert.Equal(2, pool.ConnectionsOpened);
    }
}

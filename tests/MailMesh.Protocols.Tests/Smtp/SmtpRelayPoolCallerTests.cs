using MailMesh.Protocols.Smtp;
using MailMesh.Protocols.Tests.Support;

namespace MailMesh.Protocols.Tests.Smtp;

/// <summary>A caller that cannot cancel awaits its queued submission directly: its continuation must still run apart from
/// the session's runner, which goes on with the next submission.</summary>
public sealed class SmtpRelayPoolCallerTests
{
    private static SmtpRelayOptions OneSession(int port) =>
        new() { Host = "127.0.0.1", Port = port, Tls = TlsMode.None, LocalDomain = "client.test", MaxConnections = 1 };

    private static MailSubmission Mail(string recipient) => new("s@example.org", [recipient], "Subject: t\r\n\r\nbody\r\n"u8.ToArray());

    [Fact]
    public async Task SubmitAsync_WithoutCancellation_CallerBlockingInItsContinuationDoesNotHoldTheRunner()
    {
        var submitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var relay = ScriptedRelay.TwoPipelinedMessages(submitted.Task);
        var pool = new SmtpRelayPool(OneSession(relay.Port));
        var first = pool.SubmitAsync(Mail("a@example.org"));
        var second = pool.SubmitAsync(Mail("b@example.org"));

        // Run inline on the thread that completes the first submission, this would wait there for the second, which
        // only that session's runner can complete.
        var sawSecond = first.ContinueWith(
            _ => SpinWait.SpinUntil(() => second.IsCompleted, TestTimeout.Step), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        submitted.SetResult();

        Assert.True(await sawSecond.WaitAsync(TestTimeout.Step * 2), "the second submission completed while the first one's caller waited for it");
        Assert.Equal(["first", "second"], new[] { (await first).Recipients[0].Reply, (await second).Recipients[0].Reply });
        await pool.DisposeAsync();
        await relay.Sessions(1).Within(TestTimeout.Step, "the session to end with QUIT");
    }
}

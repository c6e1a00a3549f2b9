using System.Collections.Concurrent;
using MailMesh.Protocols.Smtp;
using MailMesh.Protocols.Tests.Support;
using static MailMesh.Protocols.Tests.Smtp.SmtpTestSupport;

namespace MailMesh.Protocols.Tests.Smtp;

/// <summary>Where the relay's replies are handled (docs/adr/protocols-03-relay-replies-on-the-socket-thread.md): on the
/// runtime's socket event thread by default, so a reply wakes one thread and not two; on thread-pool threads when
/// <see cref="SmtpRelayOptions.RepliesOnSocketThread"/> is off. On one session: against a relay that answers late (see
/// <see cref="LateReplies"/>), and against Postfix smtp-sink.</summary>
public sealed class SmtpRelayPoolSocketThreadTests
{
    private const int Messages = 20;

    private static readonly TimeSpan ReplyDelay = TimeSpan.FromMilliseconds(30);

    private static MailSubmission Mail(int i) => new("s@example.org", [$"r{i}@example.org"], "Subject: t\r\n\r\nbody\r\n"u8.ToArray());

    private sealed class Receiver : ISubmissionReceiver
    {
        public ConcurrentQueue<(bool OnPoolThread, SubmissionStatus Status)> Arrivals { get; } = new();

        public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Received(Task<SubmissionResult> submission, object? state)
        {
            Arrivals.Enqueue((Thread.CurrentThread.IsThreadPoolThread, submission.Result.Recipients[0].Status));
            if (Arrivals.Count == Messages)
            {
                All.SetResult();
            }
        }
    }

    private static async Task<(bool OnPoolThread, SubmissionStatus Status)[]> SendAsync(SmtpRelayOptions options)
    {
        await using var pool = new SmtpRelayPool(options);
        IMailSubmitter submitter = pool;
        var receiver = new Receiver();
        for (var i = 0; i < Messages; i++)
        {
            submitter.Submit(Mail(i), receiver, null);
        }

        await receiver.All.Task.Within(TestTimeout.Step * 2, $"{Messages} submissions to reach the receiver");
        return receiver.Arrivals.ToArray();
    }

    /// <summary>A relay that answers each wait of the session only after <see cref="ReplyDelay"/>. smtp-sink answers within
    /// microseconds, so on a loaded machine its reply could be there before the session's read, which then completes at
    /// once on the session's own pool thread: where a reply is handled is only seen when the session waits for it.</summary>
    private static ScriptedRelay LateReplies() => new(async (c, _) =>
    {
        await ScriptedRelay.GreetAsync(c, "250 PIPELINING\r\n");
        for (var i = 0; i < Messages; i++)
        {
            await c.ReadLinesThroughAsync("DATA", $"message {i}'s transaction");
            await Task.Delay(ReplyDelay);
            await c.SendAsync("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n");
            await c.ReadLinesThroughAsync(".", $"message {i}'s data");
            await Task.Delay(ReplyDelay);
            await c.SendAsync("250 2.0.0 queued\r\n");
        }

        Assert.Equal("QUIT", await c.ReadLineAsync("QUIT"));
        await c.SendAsync("221 bye\r\n");
    });

    [Fact]
    public async Task Submit_RepliesOnSocketThread_ReceiverCalledOffTheThreadPool()
    {
        await using var relay = LateReplies();
        var arrivals = await SendAsync(new SmtpRelayOptions
        {
            Host = "127.0.0.1", Port = relay.Port, Tls = TlsMode.None, LocalDomain = "client.test", MaxConnections = 1, RepliesOnSocketThread = true,
        });

        Assert.All(arrivals, a => Assert.Equal(SubmissionStatus.Accepted, a.Status));

        // The runner starts on a pool thread; each reply the session waited for is then handled on the event thread.
        Assert.True(arrivals.Count(a => !a.OnPoolThread) >= Messages / 2,
            $"only {arrivals.Count(a => !a.OnPoolThread)} of {Messages} replies were handled on the socket event thread");
        await relay.Sessions(1).Within(TestTimeout.Step, "the session to end with QUIT");
    }

    [ServerFact(Server.SmtpSink)]
    public async Task Submit_RepliesOnSocketThreadOff_ReceiverCalledOnThreadPool()
    {
        var arrivals = await SendAsync(Relay(TestServers.SmtpSink, o =>
        {
            o.MaxConnections = 1;
            o.RepliesOnSocketThread = false;
        }));

        Assert.All(arrivals, a => Assert.Equal((true, SubmissionStatus.Accepted), a));
    }
}

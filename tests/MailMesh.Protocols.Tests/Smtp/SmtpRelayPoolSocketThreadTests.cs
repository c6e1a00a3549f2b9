using System.Collections.Concurrent;
using MailMesh.Protocols.Smtp;
using MailMesh.Protocols.Tests.Support;
using static MailMesh.Protocols.Tests.Smtp.SmtpTestSupport;

namespace MailMesh.Protocols.Tests.Smtp;

/// <summary>Where the relay's replies are handled (docs/adr/protocols-03-relay-replies-on-the-socket-thread.md): on the
/// runtime's socket event thread by default, so a reply wakes one thread and not two; on thread-pool threads when
/// <see cref="SmtpRelayOptions.RepliesOnSocketThread"/> is off. Against Postfix smtp-sink, on one session.</summary>
public sealed class SmtpRelayPoolSocketThreadTests
{
    private const int Messages = 20;

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

    private static async Task<(bool OnPoolThread, SubmissionStatus Status)[]> SendAsync(bool onSocketThread)
    {
        await using var pool = new SmtpRelayPool(Relay(TestServers.SmtpSink, o =>
        {
            o.MaxConnections = 1;
            o.RepliesOnSocketThread = onSocketThread;
        }));
        IMailSubmitter submitter = pool;
        var receiver = new Receiver();
        for (var i = 0; i < Messages; i++)
        {
            submitter.Submit(Mail(i), receiver, null);
        }

        await receiver.All.Task.Within(TestTimeout.Step * 2, $"{Messages} submissions to reach the receiver");
        return receiver.Arrivals.ToArray();
    }

    [ServerFact(Server.SmtpSink)]
    public async Task Submit_RepliesOnSocketThread_ReceiverCalledOffTheThreadPool()
    {
        var arrivals = await SendAsync(onSocketThread: true);

        Assert.All(arrivals, a => Assert.Equal(SubmissionStatus.Accepted, a.Status));

        // The runner starts on a pool thread; each reply the session waited for is then handled on the event thread.
        Assert.True(arrivals.Count(a => !a.OnPoolThread) >= Messages / 2,
            $"only {arrivals.Count(a => !a.OnPoolThread)} of {Messages} replies were handled on the socket event thread");
    }

    [ServerFact(Server.SmtpSink)]
    public async Task Submit_RepliesOnSocketThreadOff_ReceiverCalledOnThreadPool()
    {
        var arrivals = await SendAsync(onSocketThread: false);

        Assert.All(arrivals, a => Assert.Equal((true, SubmissionStatus.Accepted), a));
    }
}

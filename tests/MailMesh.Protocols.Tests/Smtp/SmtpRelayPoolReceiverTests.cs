using System.Collections.Concurrent;
using MailMesh.Protocols.Smtp;
using MailMesh.Protocols.Tests.Support;

namespace MailMesh.Protocols.Tests.Smtp;

/// <summary>A submission handed over with a receiver finishes through it, called by the session's runner itself right
/// after the relay's answer (no continuation or thread-pool work item per message), once, with the outcome or the fault.</summary>
public sealed class SmtpRelayPoolReceiverTests
{
    private static SmtpRelayOptions OneSession(int port) =>
        new() { Host = "127.0.0.1", Port = port, Tls = TlsMode.None, LocalDomain = "client.test", MaxConnections = 1 };

    private static MailSubmission Mail(string recipient) => new("s@example.org", [recipient], "Subject: t\r\n\r\nbody\r\n"u8.ToArray());

    private sealed class Receiver(Func<string, bool>? onReceived = null) : ISubmissionReceiver
    {
        public ConcurrentQueue<(string Name, Task<SubmissionResult> Submission, bool Seen)> Arrivals { get; } = new();

        public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Expected { get; init; } = 1;

        public void Received(Task<SubmissionResult> submission, object? state)
        {
            var name = (string)state!;
            Arrivals.Enqueue((name, submission, onReceived?.Invoke(name) ?? false));
            if (Arrivals.Count == Expected)
            {
                All.SetResult();
            }
        }
    }

    [Fact]
    public async Task Submit_WithReceiver_RunnerCallsItBeforeGoingOnWithTheNextSubmission()
    {
        var submitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var relay = ScriptedRelay.TwoPipelinedMessages(submitted.Task);
        var pool = new SmtpRelayPool(OneSession(relay.Port));
        IMailSubmitter submitter = pool;
        Receiver? receiver = null;

        // Called on the runner, the first receiver holds the session: the second reply cannot come in meanwhile.
        receiver = new Receiver(name => name == "first" && SpinWait.SpinUntil(() => receiver!.Arrivals.Any(r => r.Name == "second"), TimeSpan.FromMilliseconds(500)))
        {
            Expected = 2,
        };
        submitter.Submit(Mail("a@example.org"), receiver, "first");
        submitter.Submit(Mail("b@example.org"), receiver, "second");
        submitted.SetResult();

        await receiver.All.Task.Within(TestTimeout.Step * 2, "both submissions to reach the receiver");
        var received = receiver.Arrivals.ToArray();
        Assert.Equal(["first", "second"], received.Select(r => r.Name));
        Assert.False(received[0].Seen, "the second submission finished while the first one's receiver ran");
        Assert.Equal(["first", "second"], new[] { (await received[0].Submission).Recipients[0].Reply, (await received[1].Submission).Recipients[0].Reply });
        await pool.DisposeAsync();
        await relay.Sessions(1).Within(TestTimeout.Step, "the session to end with QUIT");
    }

    [Fact]
    public async Task Submit_InvalidRecipientOrDisposedPool_ReachesTheReceiverAtOnce()
    {
        var pool = new SmtpRelayPool(OneSession(1));
        IMailSubmitter submitter = pool;
        var receiver = new Receiver { Expected = 2 };
        submitter.Submit(Mail("not an address"), receiver, "invalid");
        await pool.DisposeAsync();
        submitter.Submit(Mail("a@example.org"), receiver, "disposed");

        var received = receiver.Arrivals.ToArray();
        Assert.Equal(["invalid", "disposed"], received.Select(r => r.Name));
        Assert.Equal(SubmissionStatus.Failed, (await received[0].Submission).Recipients[0].Status);
        Assert.IsType<ObjectDisposedException>(received[1].Submission.Exception?.InnerException);
    }
}

using System.Collections.Concurrent;
using MailMesh.Protocols.Smtp;

namespace MailMesh.Campaigns.Tests.Sending.Support;

/// <summary>A submitter that records every submission and answers as the test scripts it: accepted by default, or by
/// <see cref="Answer"/>; <see cref="HoldAt"/> blocks the n-th submission until released.</summary>
public sealed class ScriptedSubmitter : IMailSubmitter
{
    private readonly ConcurrentQueue<MailSubmission> _submissions = new();
    private int _count;

    /// <summary>Answers a recipient (null: accept).</summary>
    public Func<string, RecipientOutcome?> Answer { get; set; } = _ => null;

    /// <summary>The 1-based submission that waits for <see cref="Release"/> (0: none).</summary>
    public int HoldAt { get; set; }

    /// <summary>Completed when the held submission has arrived.</summary>
    public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets the held submission go on.</summary>
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<MailSubmission> Submissions => [.. _submissions];

    /// <summary>How many messages each recipient got.</summary>
    public IReadOnlyDictionary<string, int> PerRecipient() =>
        _submissions.SelectMany(s => s.Recipients).GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    public async Task<SubmissionResult> SubmitAsync(MailSubmission mail, CancellationToken cancellationToken = default)
    {
        var n = Interlocked.Increment(ref _count);
        _submissions.Enqueue(mail);
        if (n == HoldAt)
        {
            Held.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
        }

        return new SubmissionResult(
            mail.Recipients.Select(r => Answer(r) ?? new RecipientOutcome(r, SubmissionStatus.Accepted, 250, "2.0.0", "2.0.0 queued as " + n)).ToArray(),
            "127.0.0.1:25");
    }
}

using MailMesh.Runtime.Storage;

namespace MailMesh.Relays.Internal;

internal static class EventLogWaits
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Waits for an event after <paramref name="afterSequence"/>, but at most a second: the log's notification
    /// covers writes of this process only, so events written by other silos are found by the next read.</summary>
    public static async Task WaitOrPollAsync(this IEventLog log, long afterSequence, CancellationToken cancellationToken)
    {
        using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        poll.CancelAfter(PollInterval);
        try
        {
            await log.WaitForEventsAsync(afterSequence, poll.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Poll interval elapsed: read again.
        }
    }
}

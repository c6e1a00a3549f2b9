using MailMesh.Runtime.Storage;

namespace MailMesh.Relays.Internal;

internal static class EventLogPolls
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Waits for an event after <paramref name="afterSequence"/>, but at most a second: the log's notification
    /// covers writes of this process only, so events written by other silos are found by the next read.</summary>
    public static Task WaitOrPollAsync(this IEventLog log, long afterSequence, CancellationToken cancellationToken) =>
        log.WaitForEventsAsync(afterSequence, PollInterval, TimeProvider.System, cancellationToken);
}

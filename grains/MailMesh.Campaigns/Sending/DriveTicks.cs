using MailMesh.Campaigns.SendLog;

namespace MailMesh.Campaigns.Sending;

/// <summary>When a fully planned campaign's next drive tick should come (docs/adr/campaigns-23-planning-ahead-of-the-workers.md).</summary>
internal static class DriveTicks
{
    /// <summary>The soonest a drive tick follows the last while the workers send the last queued records.</summary>
    public static readonly TimeSpan Shortest = TimeSpan.FromMilliseconds(50);

    /// <summary>How soon the <paramref name="now"/> queued records will all be sent at the rate seen since the last tick
    /// (<paramref name="queuedBefore"/> queued <paramref name="elapsed"/> ago), when that is sooner than
    /// <paramref name="interval"/>, and at least <see cref="Shortest"/>. Null when nothing tells: deferrals wait for
    /// their retry, or no record was sent since the last tick.</summary>
    public static TimeSpan? DrainTime(long queuedBefore, PendingSends now, TimeSpan elapsed, TimeSpan interval)
    {
        var sent = queuedBefore - now.Queued;
        if (now.Deferred > 0 || sent <= 0 || elapsed <= TimeSpan.Zero)
        {
            return null;
        }

        var drain = elapsed * ((double)now.Queued / sent);
        return drain >= interval ? null : drain < Shortest ? Shortest : drain;
    }
}

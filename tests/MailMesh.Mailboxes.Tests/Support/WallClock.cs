using MailMesh.Testing;

namespace MailMesh.Mailboxes.Tests.Support;

/// <summary>A silo clock whose date comes from a <see cref="ManualTimeProvider"/> (so a test can move it days ahead)
/// while timers and timestamps stay real: the sync's steps, reminders and call timeouts keep running on their own.</summary>
public sealed class WallClock(ManualTimeProvider date) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => date.GetUtcNow();

    public override long GetTimestamp() => System.GetTimestamp();

    public override long TimestampFrequency => System.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        System.CreateTimer(callback, state, dueTime, period);
}

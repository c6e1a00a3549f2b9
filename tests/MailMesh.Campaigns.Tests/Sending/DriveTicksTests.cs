using MailMesh.Campaigns.SendLog;
using MailMesh.Campaigns.Sending;

namespace MailMesh.Campaigns.Tests.Sending;

public sealed class DriveTicksTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    [Fact]
    public void DrainTime_QueuedSentBeforeTheInterval_IsWhenTheRateEmptiesTheQueue()
    {
        // 6,000 sent in 1 s, 3,000 left: the queue is empty in half a second.
        Assert.Equal(TimeSpan.FromMilliseconds(500), DriveTicks.DrainTime(9_000, new PendingSends(3_000, 0), TimeSpan.FromSeconds(1), Interval));
    }

    [Fact]
    public void DrainTime_QueueLastingTheIntervalOrLonger_IsNull()
    {
        Assert.Null(DriveTicks.DrainTime(9_000, new PendingSends(6_000, 0), TimeSpan.FromSeconds(1), Interval));
        Assert.Null(DriveTicks.DrainTime(9_000, new PendingSends(8_000, 0), TimeSpan.FromSeconds(1), Interval));
    }

    [Fact]
    public void DrainTime_NothingQueued_IsTheShortestTick()
    {
        // The last batch may still be in flight: the next tick looks again soon, not at once.
        Assert.Equal(DriveTicks.Shortest, DriveTicks.DrainTime(500, new PendingSends(0, 0), TimeSpan.FromSeconds(1), Interval));
        Assert.Equal(DriveTicks.Shortest, DriveTicks.DrainTime(100_000, new PendingSends(10, 0), TimeSpan.FromSeconds(1), Interval));
    }

    [Fact]
    public void DrainTime_NoProgressOrDeferralsWaiting_IsNull()
    {
        Assert.Null(DriveTicks.DrainTime(500, new PendingSends(500, 0), TimeSpan.FromSeconds(1), Interval));
        Assert.Null(DriveTicks.DrainTime(500, new PendingSends(600, 0), TimeSpan.FromSeconds(1), Interval));
        Assert.Null(DriveTicks.DrainTime(500, new PendingSends(10, 3), TimeSpan.FromSeconds(1), Interval));
        Assert.Null(DriveTicks.DrainTime(500, new PendingSends(10, 0), TimeSpan.Zero, Interval));
    }
}

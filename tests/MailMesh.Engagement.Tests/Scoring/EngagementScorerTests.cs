using MailMesh.Engagement.Scoring;

namespace MailMesh.Engagement.Tests.Scoring;

public sealed class EngagementScorerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly EngagementScorer _scorer = new(new EngagementOptions());

    private static int Day(int daysAgo) => EngagementScorer.DayOf(Now.AddDays(-daysAgo));

    [Fact]
    public void Score_OneOpenTodayAndOneAHalfLifeAgo_WeighsTheOldOneHalf()
    {
        var today = _scorer.Score([new DayCount(Day(0), 1, 0)], Now, null, 1, 0, 1, 0, Now.AddDays(-40), Now);
        var both = _scorer.Score([new DayCount(Day(30), 1, 0), new DayCount(Day(0), 1, 0)], Now, null, 2, 0, 2, 0, Now.AddDays(-40), Now);

        Assert.Equal(Math.Round(100 * (1 - Math.Exp(-1 / 5.0)), 2), today.Score);
        Assert.Equal(Math.Round(100 * (1 - Math.Exp(-1.5 / 5.0)), 2), both.Score);
    }

    [Fact]
    public void Score_ClicksWeighMoreThanOpens_AndWindowsCountRecentDaysOnly()
    {
        var summary = _scorer.Score([new DayCount(Day(100), 5, 5), new DayCount(Day(60), 2, 1), new DayCount(Day(10), 3, 2)], Now.AddDays(-10), Now.AddDays(-10), 10, 8, 10, 8, Now.AddDays(-200), Now);

        Assert.Equal((3, 2, 5, 3), (summary.Opens30Days, summary.Clicks30Days, summary.Opens90Days, summary.Clicks90Days));
        Assert.InRange(summary.Score, 0, 100);
        Assert.True(_scorer.Score([new DayCount(Day(0), 0, 1)], null, Now, 0, 1, 0, 1, Now, Now).Score > _scorer.Score([new DayCount(Day(0), 1, 0)], Now, null, 1, 0, 1, 0, Now, Now).Score);
    }

    [Fact]
    public void Score_ManyHits_StaysAtMost100()
    {
        Assert.Equal(100, _scorer.Score([new DayCount(Day(0), 100_000, 100_000)], Now, Now, 100_000, 100_000, 100_000, 100_000, Now, Now).Score);
    }

    [Theory]
    [InlineData(null, 5, "new")]
    [InlineData(null, 60, "inactive")]
    [InlineData(null, 200, "dormant")]
    [InlineData(10, 400, "active")]
    [InlineData(120, 400, "inactive")]
    [InlineData(190, 400, "dormant")]
    public void Status_ByLastActivityAndFirstMessage_FollowsTheWindows(int? lastActiveDaysAgo, int firstSeenDaysAgo, string status)
    {
        var last = lastActiveDaysAgo is { } d ? Now.AddDays(-d) : (DateTimeOffset?)null;

        Assert.Equal(status, _scorer.Status(last, Now.AddDays(-firstSeenDaysAgo), Now));
    }
}

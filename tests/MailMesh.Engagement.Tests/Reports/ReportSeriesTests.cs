using MailMesh.Engagement.Reports;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Reports;

public sealed class ReportSeriesTests
{
    [Fact]
    public void Merge_ActivityWithAGap_FillsEveryHourBetweenFirstAndLast()
    {
        var (hours, truncated) = ReportSeries.Merge([(100, 5)], [new HitReportHour(103, 4, 3, 2, 1, 1)], [(101, 2, 1)], 24);

        Assert.False(truncated);
        Assert.Equal(
            [
                new ReportHour(At(100), 5, 0, 0, 0, 0, 0, 0, 0),
                new ReportHour(At(101), 0, 0, 0, 0, 0, 2, 0, 1),
                new ReportHour(At(102), 0, 0, 0, 0, 0, 0, 0, 0),
                new ReportHour(At(103), 0, 4, 3, 2, 1, 0, 1, 0),
            ],
            hours);
    }

    [Fact]
    public void Merge_ActivityLongerThanTheMaximum_StopsThereAndSaysSo()
    {
        var (hours, truncated) = ReportSeries.Merge([(10, 1), (20, 1)], [], [], 5);

        Assert.True(truncated);
        Assert.Equal(5, hours.Count);
        Assert.Equal(At(14), hours[^1].Hour);
    }

    [Fact]
    public void Merge_NoActivity_ReturnsAnEmptySeries()
    {
        var (hours, truncated) = ReportSeries.Merge([], [], [], 5);

        Assert.Empty(hours);
        Assert.False(truncated);
    }

    private static DateTimeOffset At(long hour) => DateTimeOffset.FromUnixTimeMilliseconds(hour * 3_600_000);
}

using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Reports;

/// <summary>Joins the hourly counts of the three stores into one dense series.</summary>
internal static class ReportSeries
{
    /// <summary>One point per hour from the first hour with activity to the last (at most <paramref name="maxHours"/>;
    /// truncated says when activity went on past them).</summary>
    public static (IReadOnlyList<ReportHour> Hours, bool Truncated) Merge(
        IReadOnlyList<(long Hour, long Sent)> sent, IReadOnlyList<HitReportHour> hits, IReadOnlyList<(long Hour, long Bounces, long Complaints)> notices,
        int maxHours)
    {
        var first = long.MaxValue;
        var last = long.MinValue;
        foreach (var hour in sent.Select(s => s.Hour).Concat(hits.Select(h => h.Hour)).Concat(notices.Select(n => n.Hour)))
        {
            first = Math.Min(first, hour);
            last = Math.Max(last, hour);
        }

        if (first > last)
        {
            return ([], false);
        }

        var count = (int)Math.Min(last - first + 1, maxHours);
        var points = new (long Sent, long Opens, long HumanOpens, long Clicks, long HumanClicks, long Bounces, long Unsubscribes, long Complaints)[count];
        foreach (var (hour, n) in sent)
        {
            if (hour - first < count)
            {
                points[hour - first].Sent += n;
            }
        }

        foreach (var h in hits)
        {
            if (h.Hour - first < count)
            {
                ref var p = ref points[h.Hour - first];
                p.Opens += h.Opens;
                p.HumanOpens += h.HumanOpens;
                p.Clicks += h.Clicks;
                p.HumanClicks += h.HumanClicks;
                p.Unsubscribes += h.Unsubscribes;
            }
        }

        foreach (var (hour, bounces, complaints) in notices)
        {
            if (hour - first < count)
            {
                points[hour - first].Bounces += bounces;
                points[hour - first].Complaints += complaints;
            }
        }

        var series = new ReportHour[count];
        for (var i = 0; i < count; i++)
        {
            var p = points[i];
            series[i] = new ReportHour(
                DateTimeOffset.FromUnixTimeMilliseconds((first + i) * 3_600_000), p.Sent, p.Opens, p.HumanOpens, p.Clicks, p.HumanClicks, p.Bounces, p.Unsubscribes,
                p.Complaints);
        }

        return (series, last - first + 1 > maxHours);
    }
}

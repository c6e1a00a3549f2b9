using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Scoring;

/// <summary>Human opens and clicks of one day.</summary>
/// <param name="Day">Days since 1970-01-01 (UTC).</param>
/// <param name="Opens">Human opens that day.</param>
/// <param name="Clicks">Human clicks that day.</param>
public sealed record DayCount(int Day, int Opens, int Clicks);

/// <summary>The engagement statuses.</summary>
public static class EngagementStatus
{
    /// <summary>Never engaged, first message recent.</summary>
    public const string New = "new";

    /// <summary>Opened or clicked within the active window.</summary>
    public const string Active = "active";

    /// <summary>Neither new, active nor dormant.</summary>
    public const string Inactive = "inactive";

    /// <summary>No human open or click for the dormancy period.</summary>
    public const string Dormant = "dormant";
}

/// <summary>Computes a contact's window counts, decaying score and status from its daily human counts. Pure: the same
/// input and time give the same answer.</summary>
public sealed class EngagementScorer(EngagementOptions options)
{
    /// <summary>Counts, score and status at <paramref name="now"/>.</summary>
    public EngagementSummary Score(
        IReadOnlyList<DayCount> days, DateTimeOffset? lastOpenAt, DateTimeOffset? lastClickAt, long rawOpens, long rawClicks,
        long humanOpens, long humanClicks, DateTimeOffset firstSeenAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(days);
        var today = DayOf(now);
        int o30 = 0, k30 = 0, o90 = 0, k90 = 0;
        var weight = 0.0;
        var halfLifeDays = Math.Max(options.ScoreHalfLife.TotalDays, 1e-6);
        foreach (var day in days)
        {
            var age = today - day.Day;
            if (age < 0)
            {
                age = 0;
            }

            if (age < 30)
            {
                o30 += day.Opens;
                k30 += day.Clicks;
            }

            if (age < 90)
            {
                o90 += day.Opens;
                k90 += day.Clicks;
            }

            weight += (day.Opens * options.OpenWeight + day.Clicks * options.ClickWeight) * Math.Pow(0.5, age / halfLifeDays);
        }

        var score = Math.Round(100 * (1 - Math.Exp(-weight / Math.Max(options.ScoreScale, 1e-6))), 2);
        return new EngagementSummary(lastOpenAt, lastClickAt, rawOpens, rawClicks, humanOpens, humanClicks, o30, k30, o90, k90,
            Math.Clamp(score, 0, 100), Status(Latest(lastOpenAt, lastClickAt), firstSeenAt, now), firstSeenAt);
    }

    /// <summary>The status of a contact last active at <paramref name="lastActivity"/> (null: never) whose first tracked
    /// message was at <paramref name="firstSeenAt"/>.</summary>
    public string Status(DateTimeOffset? lastActivity, DateTimeOffset firstSeenAt, DateTimeOffset now)
    {
        if (lastActivity is { } last)
        {
            return now - last <= options.ActiveWindow ? EngagementStatus.Active
                : now - last >= options.DormantAfter ? EngagementStatus.Dormant
                : EngagementStatus.Inactive;
        }

        return now - firstSeenAt < options.NewWindow ? EngagementStatus.New
            : now - firstSeenAt >= options.DormantAfter ? EngagementStatus.Dormant
            : EngagementStatus.Inactive;
    }

    /// <summary>The day number of <paramref name="at"/> (days since 1970-01-01 UTC).</summary>
    public static int DayOf(DateTimeOffset at) => (int)(at.ToUnixTimeSeconds() / 86_400);

    private static DateTimeOffset? Latest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}

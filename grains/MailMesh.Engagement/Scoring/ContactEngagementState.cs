using MailMesh.Engagement.Classification;
using System.Text.Json.Serialization;
using MailMesh.Grains.Contacts;

namespace MailMesh.Engagement.Scoring;

/// <summary>What a contact's engagement grain persists.</summary>
public sealed class ContactEngagementState
{
    /// <summary>Most hit ids remembered to skip a hand-over that is retried.</summary>
    public const int MaxRecentIds = 1024;

    /// <summary>Most hand-overs remembered to skip one that is handed over again.</summary>
    public const int MaxHandOvers = 64;

    /// <summary>Most clicks remembered for the burst rule.</summary>
    public const int MaxRecentClicks = 32;

    /// <summary>Days of daily counts kept (the score of older days is below 0.02 % of a fresh one).</summary>
    public const int MaxDays = 400;

    /// <summary>Human counts per day, oldest first.</summary>
    public List<DayCount> Days { get; set; } = [];

    /// <summary>Last human open.</summary>
    public DateTimeOffset? LastOpenAt { get; set; }

    /// <summary>Last human click.</summary>
    public DateTimeOffset? LastClickAt { get; set; }

    /// <summary>All opens.</summary>
    public long RawOpens { get; set; }

    /// <summary>All clicks.</summary>
    public long RawClicks { get; set; }

    /// <summary>Human opens.</summary>
    public long HumanOpens { get; set; }

    /// <summary>Human clicks.</summary>
    public long HumanClicks { get; set; }

    /// <summary>The issue time of the earliest message seen.</summary>
    public DateTimeOffset FirstSeenAt { get; set; }

    /// <summary>The ids of the latest hits recorded, oldest first; stored as one base64 string of their bytes (about half
    /// the size of a JSON array of GUIDs, and one string to write instead of one per id).</summary>
    [JsonConverter(typeof(GuidListJsonConverter))]
    public List<Guid> RecentIds { get; set; } = [];

    /// <summary>The writer's hand-overs whose hits were recorded, oldest first: a hand-over of a whole batch of one contact's
    /// hits (more than <see cref="MaxRecentIds"/>) is skipped whole when handed over again.</summary>
    public List<long> HandOvers { get; set; } = [];

    /// <summary>The latest clicks, oldest first.</summary>
    public List<RecentClick> RecentClicks { get; set; } = [];

    /// <summary>The status last written to the contact.</summary>
    public string? Status { get; set; }

    /// <summary>What was last written to the contact grain (null before the first write): a turn whose hits leave it as
    /// it is (machine hits only) makes no call to the contact.</summary>
    public ContactEngagement? Written { get; set; }

    /// <summary>Whether the dormant action was applied in the current dormant spell.</summary>
    public bool DormantActionApplied { get; set; }

    /// <summary>A copy whose lists can change without changing this one (their items are immutable records).</summary>
    public ContactEngagementState Copy() => new()
    {
        Days = [.. Days],
        LastOpenAt = LastOpenAt,
        LastClickAt = LastClickAt,
        RawOpens = RawOpens,
        RawClicks = RawClicks,
        HumanOpens = HumanOpens,
        HumanClicks = HumanClicks,
        FirstSeenAt = FirstSeenAt,
        RecentIds = [.. RecentIds],
        HandOvers = [.. HandOvers],
        RecentClicks = [.. RecentClicks],
        Status = Status,
        Written = Written,
        DormantActionApplied = DormantActionApplied,
    };
}

namespace MailMesh.Campaigns.Sending;

/// <summary>Settings of campaign sending (configuration section <c>Campaigns</c>).</summary>
public sealed class CampaignsOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Campaigns";

    /// <summary>The SQLite send log file (default <c>campaigns.db</c> in the data directory).</summary>
    public string? SendLogPath { get; set; }

    /// <summary>Worker activations per campaign (1-64, default 4).</summary>
    public int Shards { get; set; } = 4;

    /// <summary>Records a worker reads per batch (1-10000, default 100).</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Longest a worker turn sends before it lets a pause or cancel in (default 2 s).</summary>
    public TimeSpan MaxTurn { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Period of the campaign's durable reminder, which starts scheduled campaigns and revives workers after a
    /// restart (at least 1 s, default 10 s).</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a sending campaign checks for completion and keeps its workers running (default 1 s). While part
    /// of its audience is still to plan, a tick that planned <see cref="PlanPagesPerTick"/> pages is followed at once by
    /// the next.</summary>
    public TimeSpan DriveInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Segment members read per planning page (1-1000, default 1000).</summary>
    public int PlanPageSize { get; set; } = 1000;

    /// <summary>Planning pages per drive tick (default 10).</summary>
    public int PlanPagesPerTick { get; set; } = 10;

    /// <summary>A campaign pauses itself when this many messages in a row were refused or deferred with none accepted
    /// (default 50; 0 never).</summary>
    public int PauseAfterConsecutiveRefusals { get; set; } = 50;

    /// <summary>Slow start: messages per hour on a new sending domain's first day (default 500, doubling daily).</summary>
    public int SlowStartInitialPerHour { get; set; } = 500;

    /// <summary>Slow start: days after which a sending domain is no longer ramped (default 14).</summary>
    public int SlowStartDays { get; set; } = 14;

    /// <summary>The slow-start ramp these settings describe.</summary>
    public SlowStartRamp Ramp => new(SlowStartInitialPerHour, SlowStartDays);
}

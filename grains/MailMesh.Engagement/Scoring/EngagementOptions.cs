namespace MailMesh.Engagement.Scoring;

/// <summary>What happens to a contact that stays dormant.</summary>
public enum DormantAction
{
    /// <summary>Nothing besides the <c>dormant</c> status (segments can exclude it).</summary>
    None = 0,

    /// <summary>Suppress for all mail (reason manual, detail saying why).</summary>
    Suppress = 1,

    /// <summary>Add the contact to the re-permission list (a campaign to it asks for consent again).</summary>
    Repermission = 2,
}

/// <summary>The engagement model. Section <c>Engagement</c>; environment variables <c>MAILMESH__ENGAGEMENT__…</c>.</summary>
public sealed class EngagementOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Engagement";

    /// <summary>The half-life of an open's or click's weight in the score.</summary>
    public TimeSpan ScoreHalfLife { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Weight of a human open.</summary>
    public double OpenWeight { get; set; } = 1;

    /// <summary>Weight of a human click.</summary>
    public double ClickWeight { get; set; } = 3;

    /// <summary>The decayed weight that gives a score of about 63 (1 - 1/e); the score is 100·(1 - e^(-weight/scale)).</summary>
    public double ScoreScale { get; set; } = 5;

    /// <summary>A contact that opened or clicked within this window is <c>active</c>.</summary>
    public TimeSpan ActiveWindow { get; set; } = TimeSpan.FromDays(90);

    /// <summary>A contact whose first tracked message is younger than this and that never engaged is <c>new</c>.</summary>
    public TimeSpan NewWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>No human open or click for this long (since the last one, or since the first message when none) makes a
    /// contact <c>dormant</c>: about 6 months.</summary>
    public TimeSpan DormantAfter { get; set; } = TimeSpan.FromDays(183);

    /// <summary>What the dormancy pass does to dormant contacts.</summary>
    public DormantAction DormantAction { get; set; } = DormantAction.None;

    /// <summary>The list <see cref="DormantAction.Repermission"/> adds contacts to.</summary>
    public string RepermissionList { get; set; } = "re-permission";

    /// <summary>How often the dormancy pass runs.</summary>
    public TimeSpan PassInterval { get; set; } = TimeSpan.FromHours(6);
}

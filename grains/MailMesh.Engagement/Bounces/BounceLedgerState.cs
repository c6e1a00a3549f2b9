using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Bounces;

/// <summary>The stored state of a contact's bounce ledger.</summary>
public sealed class BounceLedgerState
{
    /// <summary>Most notice ids remembered for de-duplication (the oldest are forgotten first).</summary>
    public const int MaxRememberedNotices = 500;

    /// <summary>The contact's address (normalized).</summary>
    public string Address { get; set; } = "";

    /// <summary>Hard bounces recorded.</summary>
    public int HardBounces { get; set; }

    /// <summary>Soft bounces recorded.</summary>
    public int SoftBounces { get; set; }

    /// <summary>Complaints recorded.</summary>
    public int Complaints { get; set; }

    /// <summary>Times of soft bounces within the window.</summary>
    public List<DateTimeOffset> RecentSoftBounces { get; set; } = [];

    /// <summary>Notice ids recorded, oldest first.</summary>
    public List<string> Notices { get; set; } = [];

    /// <summary>The last notice's reason.</summary>
    public BounceReason LastReason { get; set; }

    /// <summary>The last notice's diagnostic.</summary>
    public string? LastDiagnostic { get; set; }

    /// <summary>A contact change decided and recorded but not yet confirmed done (a crash in between: done again on the
    /// next notice or activation; the contact grain's suppress and unsubscribe are idempotent).</summary>
    public PendingContactAction? Pending { get; set; }
}

/// <summary>A change to make to the contact.</summary>
public sealed class PendingContactAction
{
    /// <summary><c>suppress</c> or <c>unsubscribe</c>.</summary>
    public string Action { get; set; } = "";

    /// <summary>For <c>suppress</c>: the suppression reason.</summary>
    public MailMesh.Grains.Contacts.SuppressionReason Reason { get; set; }

    /// <summary>The detail recorded with it.</summary>
    public string? Detail { get; set; }
}

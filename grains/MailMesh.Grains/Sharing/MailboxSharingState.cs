using MailMesh.Grains.Effects;

namespace MailMesh.Grains.Sharing;

/// <summary>What a mailbox's sharing grain persists.</summary>
public sealed class MailboxSharingState
{
    /// <summary>Members by user id.</summary>
    public Dictionary<string, MemberState> Members { get; set; } = [];

    /// <summary>Conversations somebody has touched, by id.</summary>
    public Dictionary<string, ConversationState> Conversations { get; set; } = [];

    /// <summary>Response-time target; null when none.</summary>
    public TimeSpan? SlaFirstResponse { get; set; }

    /// <summary>Only messages dated from here count for the target.</summary>
    public DateTimeOffset SlaAppliesSince { get; set; }

    /// <summary>Hash of the last audit entry (the chain head).</summary>
    public string AuditHead { get; set; } = AuditChain.Genesis;

    /// <summary>Sends (send-as SMTP submissions) started or done, by request id or delivered message
    /// (docs/adr/cluster-04-side-effect-records.md).</summary>
    public SideEffectLog Effects { get; set; } = new();
}

/// <summary>A stored member.</summary>
public sealed class MemberState
{
    /// <summary>Access level.</summary>
    public MailboxAccess Access { get; set; }

    /// <summary>When it was last set.</summary>
    public DateTimeOffset ChangedAt { get; set; }

    /// <summary>Who set it.</summary>
    public string ChangedBy { get; set; } = "";
}

/// <summary>A stored conversation.</summary>
public sealed class ConversationState
{
    /// <summary>Status.</summary>
    public ConversationStatus Status { get; set; }

    /// <summary>Assignee.</summary>
    public string? Assignee { get; set; }

    /// <summary>Notes, oldest first.</summary>
    public List<ConversationNote> Notes { get; set; } = [];

    /// <summary>When the target was found breached.</summary>
    public DateTimeOffset? SlaBreachedAt { get; set; }

    /// <summary>Last change.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
}

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

    /// <summary>Sends by request id (7 days): the result, or null while a send is under way (or was interrupted).</summary>
    public Dictionary<string, SentRequest> SentRequests { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A send remembered by its request id.</summary>
public sealed class SentRequest
{
    /// <summary>When it was asked for.</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>The result; null when the send was started and its outcome is unknown.</summary>
    public SentMail? Result { get; set; }
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

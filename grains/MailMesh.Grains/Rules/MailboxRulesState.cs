namespace MailMesh.Grains.Rules;

/// <summary>What a mailbox's rules grain persists (state <c>rules</c>).</summary>
public sealed class MailboxRulesState
{
    /// <summary>Every uploaded version, oldest first.</summary>
    public List<StoredRuleScript> Versions { get; set; } = [];

    /// <summary>The active version, or null when rules are off.</summary>
    public int? ActiveVersion { get; set; }

    /// <summary>The number the next upload gets.</summary>
    public int NextVersion { get; set; } = 1;

    /// <summary>Vacation memory: "handle\nsender" → until when no reply is sent again.</summary>
    public Dictionary<string, DateTimeOffset> VacationReplies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Duplicate memory: tracking key → expiry.</summary>
    public Dictionary<string, DateTimeOffset> Duplicates { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Decisions by run id, kept so that a run asked again after a crash gets the same answer.</summary>
    public Dictionary<string, StoredDecision> Decisions { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One stored script version.</summary>
public sealed class StoredRuleScript
{
    /// <summary>Version number.</summary>
    public int Version { get; set; }

    /// <summary>The script.</summary>
    public string Source { get; set; } = "";

    /// <summary>Upload time.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Uploader.</summary>
    public string? Author { get; set; }

    /// <summary>Note.</summary>
    public string? Comment { get; set; }
}

/// <summary>A decision and what is needed to carry out its mail actions.</summary>
public sealed class StoredDecision
{
    /// <summary>The decision.</summary>
    public RuleDecision Decision { get; set; } = new("", null, [], null, null);

    /// <summary>The message's blob (redirect sends it).</summary>
    public string BlobName { get; set; } = "";

    /// <summary>When it was decided (old decisions are dropped).</summary>
    public DateTimeOffset DecidedAt { get; set; }
}

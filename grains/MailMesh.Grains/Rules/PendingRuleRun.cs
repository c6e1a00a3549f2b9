namespace MailMesh.Grains.Rules;

/// <summary>
/// A new message whose rule run is not finished, kept in the mailbox's sync state. It is added in the same state
/// write that makes the message durable (cursor advance + <c>message.received</c>), so a crash can neither lose it
/// nor add it twice; each action is marked done (and a mail action marked started before it is sent) so a resumed
/// run never repeats an action (docs/adr/rules-01-exactly-once-rule-runs.md).
/// </summary>
public sealed class PendingRuleRun
{
    /// <summary><c>folderId/uidValidity/uid</c>.</summary>
    public string RunId { get; set; } = "";

    /// <summary>Folder id.</summary>
    public string FolderId { get; set; } = "";

    /// <summary>Folder name when the message arrived.</summary>
    public string Folder { get; set; } = "";

    /// <summary>UIDVALIDITY.</summary>
    public uint UidValidity { get; set; }

    /// <summary>UID.</summary>
    public uint Uid { get; set; }

    /// <summary>Raw MIME.</summary>
    public string BlobName { get; set; } = "";

    /// <summary>Message-ID (for events and to find a copy after a crash).</summary>
    public string? MessageId { get; set; }

    /// <summary>The decision, once the rules grain made it.</summary>
    public RuleDecision? Decision { get; set; }

    /// <summary>Indexes of actions carried out (or settled: skipped, failed permanently).</summary>
    public List<int> Done { get; set; } = [];

    /// <summary>Indexes of actions started but not confirmed (a crash in between: checked, never blindly repeated).</summary>
    public List<int> Started { get; set; } = [];

    /// <summary>What happened to each settled action, for the event.</summary>
    public List<string> Outcomes { get; set; } = [];

    /// <summary>Failed attempts so far.</summary>
    public int Attempts { get; set; }

    /// <summary>The last failure.</summary>
    public string? LastError { get; set; }

    /// <summary>Not before (retry backoff).</summary>
    public DateTimeOffset? NotBefore { get; set; }
}

/// <summary>A retention decision (<c>retain :days N</c> / <c>archive</c>) waiting to be applied.</summary>
public sealed class RetentionEntry
{
    /// <summary>Folder id.</summary>
    public string FolderId { get; set; } = "";

    /// <summary>UIDVALIDITY.</summary>
    public uint UidValidity { get; set; }

    /// <summary>UID in the folder.</summary>
    public uint Uid { get; set; }

    /// <summary>Message-ID (to find the message if it moved).</summary>
    public string? MessageId { get; set; }

    /// <summary>When to apply it.</summary>
    public DateTimeOffset Due { get; set; }

    /// <summary>"delete" (retain) or "archive".</summary>
    public string Action { get; set; } = "delete";
}

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

    /// <summary>The conversation the message belongs to (read from its index row when the decision was stored).</summary>
    public string? ConversationId { get; set; }

    /// <summary>Where a fileinto moved the message: folder name (null while it is where it arrived).</summary>
    public string? MovedTo { get; set; }

    /// <summary>UIDVALIDITY of <see cref="MovedTo"/> (0 when the server did not say).</summary>
    public uint MovedUidValidity { get; set; }

    /// <summary>UID in <see cref="MovedTo"/> (0 when the server did not say).</summary>
    public uint MovedUid { get; set; }

    /// <summary>True once the message was deleted (discard).</summary>
    public bool Discarded { get; set; }

    /// <summary>Tags the run gave the message (stored on its index row when the run ends, wherever it then is).</summary>
    public List<string> Tags { get; set; } = [];

    /// <summary>Priority the run gave the message (the last <c>priority</c> wins).</summary>
    public string? Priority { get; set; }

    /// <summary>editheader: the edited copy was APPENDed (or the append started: checked on resume, never repeated blindly).</summary>
    public bool EditStarted { get; set; }

    /// <summary>editheader: the stored copy (and the server's) now carry the edits; <see cref="Uid"/> and
    /// <see cref="BlobName"/> name the edited message.</summary>
    public bool EditsApplied { get; set; }
}

/// <summary>Tags/priority for a message a rule moved into a folder that was not indexed yet; applied by later rule turns
/// once the folder's sync has indexed the message (dropped after <see cref="Until"/>).</summary>
public sealed class PendingLabels
{
    /// <summary>Folder name.</summary>
    public string Folder { get; set; } = "";

    /// <summary>UIDVALIDITY (0: any).</summary>
    public uint UidValidity { get; set; }

    /// <summary>UID in the folder.</summary>
    public uint Uid { get; set; }

    /// <summary>Tags to add.</summary>
    public List<string> Tags { get; set; } = [];

    /// <summary>Priority to set, or null.</summary>
    public string? Priority { get; set; }

    /// <summary>Give up after this.</summary>
    public DateTimeOffset Until { get; set; }
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

    /// <summary>The rule run that decided it (its location follows the message when the same run files it elsewhere).</summary>
    public string? RunId { get; set; }

    /// <summary>Folder name, for a folder that had no id yet when the entry was written (a folder a rule created).</summary>
    public string? Folder { get; set; }
}

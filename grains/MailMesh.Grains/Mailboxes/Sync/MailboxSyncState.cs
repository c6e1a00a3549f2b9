using MailMesh.Grains.Effects;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>What a mailbox persists about its source and sync progress (state <c>sync</c>). Credentials are only
/// held as <see cref="EncryptedSecret"/>.</summary>
public sealed class MailboxSyncState
{
    /// <summary>The source, or null when none is configured.</summary>
    public SourceConfig? Source { get; set; }

    /// <summary>Sync cursors per folder id.</summary>
    public Dictionary<string, FolderCursor> Folders { get; set; } = [];

    /// <summary>Next folder id number.</summary>
    public int NextFolderNumber { get; set; } = 1;

    /// <summary>POP3: messages already downloaded, by UIDL.</summary>
    public Dictionary<string, Pop3Seen> Pop3Seen { get; set; } = new(StringComparer.Ordinal);

    /// <summary>POP3: the next UID to assign in the index.</summary>
    public uint Pop3NextUid { get; set; } = 1;

    /// <summary>Status of the last runs.</summary>
    public SyncStatusState Status { get; set; } = new();

    /// <summary>Rule runs of new messages not finished yet (docs/adr/rules-01-exactly-once-rule-runs.md).</summary>
    public List<Rules.PendingRuleRun> PendingRuleRuns { get; set; } = [];

    /// <summary>Retention decisions of rules (retain/archive) waiting to be applied.</summary>
    public List<Rules.RetentionEntry> RuleRetention { get; set; } = [];

    /// <summary>Tags/priority of rules waiting for their message to be indexed in the folder a rule moved it to.</summary>
    public List<Rules.PendingLabels> RuleLabels { get; set; } = [];

    /// <summary>Messages rules APPENDed (edited copies, <c>folderId/uidValidity/uid</c>): a sync that fetches one does not run
    /// rules on it again.</summary>
    public List<string> RuleAppended { get; set; } = [];

    /// <summary>IMAP write-backs asked for through the API (MOVE), started or done, so that a call delivered again
    /// after a crash does not repeat them (docs/adr/cluster-04-side-effect-records.md).</summary>
    public SideEffectLog Effects { get; set; } = new();
}

/// <summary>A stored source configuration.</summary>
public sealed class SourceConfig
{
    /// <summary>IMAP or POP3.</summary>
    public SourceProtocol Protocol { get; set; }

    /// <summary>Host.</summary>
    public string Host { get; set; } = "";

    /// <summary>Port (0: default).</summary>
    public int Port { get; set; }

    /// <summary>TLS mode.</summary>
    public SourceTls Tls { get; set; }

    /// <summary>Login name.</summary>
    public string UserName { get; set; } = "";

    /// <summary>The encrypted password or token.</summary>
    public EncryptedSecret Secret { get; set; } = new("", "", "");

    /// <summary>Whether <see cref="Secret"/> is an XOAUTH2 token.</summary>
    public bool UsesOAuth { get; set; }

    /// <summary>PEM certificate or SHA-256 thumbprint to trust.</summary>
    public string? TrustedCertificate { get; set; }

    /// <summary>Folders to sync; empty for all.</summary>
    public List<string> Folders { get; set; } = [];

    /// <summary>Polling interval.</summary>
    public TimeSpan PollInterval { get; set; }

    /// <summary>POP3 leave-on-server.</summary>
    public bool Pop3LeaveOnServer { get; set; }

    /// <summary>POP3 delete-after days.</summary>
    public int? Pop3DeleteAfterDays { get; set; }

    /// <summary>IDLE on the inbox.</summary>
    public bool UseIdle { get; set; }

    /// <summary>Changes on every configuration, so cursors of another account are never reused.</summary>
    public string Generation { get; set; } = "";
}

/// <summary>The sync cursor of one folder.</summary>
public sealed class FolderCursor
{
    /// <summary>Stable id (<c>f1</c>, <c>f2</c>, …), used in blob names and index rows.</summary>
    public string Id { get; set; } = "";

    /// <summary>Name on the server.</summary>
    public string Name { get; set; } = "";

    /// <summary>UIDVALIDITY the cursor belongs to.</summary>
    public uint UidValidity { get; set; }

    /// <summary>Highest UID whose row is indexed and whose event was written.</summary>
    public uint LastUid { get; set; }

    /// <summary>HIGHESTMODSEQ up to which flag changes were applied (0 without CONDSTORE).</summary>
    public ulong HighestModSeq { get; set; }

    /// <summary>UIDs whose expunge event was written but whose rows may not be deleted yet.</summary>
    public List<uint> PendingExpunges { get; set; } = [];

    /// <summary>Flag changes whose event was written but whose index rows may not be updated yet.</summary>
    public List<PendingFlagChange> PendingFlags { get; set; } = [];

    /// <summary>UIDs above <see cref="LastUid"/> that are indexed already: messages moved into this folder through the
    /// API (their UID from COPYUID) while older messages of the folder were not synced yet. The sync does not fetch
    /// them again (no second <c>message.received</c>); they are dropped once the cursor passes them.</summary>
    public List<uint> IndexedAhead { get; set; } = [];
}

/// <summary>Persisted status.</summary>
public sealed class SyncStatusState
{
    /// <summary>Last success.</summary>
    public DateTimeOffset? LastSuccessAt { get; set; }

    /// <summary>Last attempt.</summary>
    public DateTimeOffset? LastAttemptAt { get; set; }

    /// <summary>When message blobs without an index row were last looked for.</summary>
    public DateTimeOffset? LastOrphanSweepAt { get; set; }

    /// <summary>Messages indexed.</summary>
    public long MessageCount { get; set; }

    /// <summary>Runs completed.</summary>
    public long Runs { get; set; }

    /// <summary>Last error kind.</summary>
    public SyncErrorKind LastErrorKind { get; set; }

    /// <summary>Last error message.</summary>
    public string? LastError { get; set; }

    /// <summary>Failures since the last success.</summary>
    public int ConsecutiveFailures { get; set; }

    /// <summary>Next retry.</summary>
    public DateTimeOffset? NextRetryAt { get; set; }
}

/// <summary>A POP3 message already downloaded.</summary>
/// <param name="Uid">The UID it has in the index.</param>
/// <param name="DownloadedAt">When it was stored.</param>
public sealed record Pop3Seen(uint Uid, DateTimeOffset DownloadedAt);

using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Import;

/// <summary>What an import grain persists: its definition, the uploaded chunks, the cursor and the counts.</summary>
public sealed class ContactImportState
{
    /// <summary>What to import.</summary>
    public ImportDefinition? Definition { get; set; }

    /// <summary>Where it stands.</summary>
    public ImportState State { get; set; }

    /// <summary>The AES-256-GCM key of the uploaded chunks (base64), dropped when the import ends, so the file's bytes
    /// left in the blob store (e.g. in a pack file until compaction) can no longer be read; null for imports created
    /// before chunks were encrypted.</summary>
    public string? ChunkKey { get; set; }

    /// <summary>Sizes of the uploaded chunks, in order (chunk i is blob <c>…/i</c>).</summary>
    public List<long> Chunks { get; set; } = [];

    /// <summary>Bytes received.</summary>
    public long BytesReceived { get; set; }

    /// <summary>The file size given at start.</summary>
    public long TotalBytes { get; set; }

    /// <summary>Records per address-ordered run (docs/adr/audience-07-address-ordered-imports.md), fixed when the import
    /// starts so a resumed import reads the same order; 0 reads the file in its own order (imports started before runs
    /// existed, or with <see cref="AudienceOptions.ImportOrderRun"/> 0).</summary>
    public int OrderRun { get; set; }

    /// <summary>Data records settled, in the import's reading order: the resume point.</summary>
    public long RowsRead { get; set; }

    /// <summary>Contacts created.</summary>
    public long Created { get; set; }

    /// <summary>Contacts changed.</summary>
    public long Updated { get; set; }

    /// <summary>Rows that changed nothing.</summary>
    public long Unchanged { get; set; }

    /// <summary>Rows refused.</summary>
    public long Invalid { get; set; }

    /// <summary>Rows merged with an earlier row of the same step.</summary>
    public long Merged { get; set; }

    /// <summary>Rows whose contact is suppressed.</summary>
    public long NotMailable { get; set; }

    /// <summary>Warnings counted (all, even past the stored ones).</summary>
    public long Warnings { get; set; }

    /// <summary>The first issues found (rows are applied in address order within a run), in row order once the import
    /// has ended.</summary>
    public List<ImportIssue> Issues { get; set; } = [];

    /// <summary>Why it failed.</summary>
    public string? Error { get; set; }

    /// <summary>Created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Completed, failed or cancelled.</summary>
    public DateTimeOffset? CompletedAt { get; set; }
}

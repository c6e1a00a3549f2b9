using MailMesh.Runtime;

namespace MailMesh.Grains.Contacts;

/// <summary>The format of an import file.</summary>
public enum ImportFormat
{
    /// <summary>Delimited text (RFC 4180; the delimiter is detected unless given).</summary>
    Csv = 0,

    /// <summary>An Office Open XML workbook (.xlsx); the first sheet unless another is given.</summary>
    Xlsx = 1,
}

/// <summary>Where an import stands.</summary>
public enum ImportState
{
    /// <summary>Created; the file is being uploaded.</summary>
    Uploading = 0,

    /// <summary>Rows are being applied.</summary>
    Running = 1,

    /// <summary>Every row was read.</summary>
    Completed = 2,

    /// <summary>Stopped by a problem with the file as a whole (see <see cref="ImportStatus.Error"/>).</summary>
    Failed = 3,

    /// <summary>Stopped on request; rows applied so far stay.</summary>
    Cancelled = 4,
}

/// <summary>What to import and how.</summary>
/// <param name="FileName">The file's name (for reports and the consent source).</param>
/// <param name="Format">CSV or XLSX.</param>
/// <param name="Mapping">Column header → target: an attribute name, or <c>email</c>, <c>lists</c>, <c>consent_at</c>,
/// <c>consent_ip</c> or <c>ignore</c>. Columns not given map by their header (case, spaces and '-' ignored;
/// e-mail/email_address/mail also mean <c>email</c>).</param>
/// <param name="Lists">Lists every imported contact joins.</param>
/// <param name="ConsentPurpose">When set (<c>*</c> or a list), each row records a granted consent for it.</param>
/// <param name="ConsentSource">The consent's source (default <c>import:&lt;file name&gt;</c>).</param>
/// <param name="ConsentForm">The form or campaign the consent was collected with.</param>
/// <param name="IgnoreUnknownColumns">Ignore columns that map to nothing instead of failing the import.</param>
/// <param name="Delimiter">CSV delimiter; detected when null.</param>
/// <param name="Sheet">XLSX sheet (0-based).</param>
[Immutable]
public sealed record ImportDefinition(
    string FileName, ImportFormat Format, IReadOnlyDictionary<string, string>? Mapping = null, IReadOnlyList<string>? Lists = null,
    string? ConsentPurpose = null, string? ConsentSource = null, string? ConsentForm = null, bool IgnoreUnknownColumns = false,
    string? Delimiter = null, int Sheet = 0);

/// <summary>Progress and outcome of an import.</summary>
/// <param name="Id">The import id (the key after the tenant).</param>
/// <param name="FileName">The file's name.</param>
/// <param name="State">Where it stands.</param>
/// <param name="BytesReceived">Bytes of the file uploaded.</param>
/// <param name="TotalBytes">The file's size once upload ended (0 before).</param>
/// <param name="RowsRead">Data rows read and settled (applied or reported).</param>
/// <param name="Created">Contacts created.</param>
/// <param name="Updated">Contacts changed.</param>
/// <param name="Unchanged">Rows that changed nothing.</param>
/// <param name="Invalid">Rows refused (see the errors).</param>
/// <param name="Merged">Rows merged into an earlier row with the same address in the same step.</param>
/// <param name="NotMailable">Rows whose contact is suppressed (imported, still not mailable).</param>
/// <param name="Warnings">Warnings (typo suggestions, role addresses, …).</param>
/// <param name="Error">Why it failed.</param>
/// <param name="CreatedAt">Created.</param>
/// <param name="CompletedAt">Completed, failed or cancelled.</param>
[Immutable]
public sealed record ImportStatus(
    string Id, string FileName, ImportState State, long BytesReceived, long TotalBytes, long RowsRead, long Created, long Updated, long Unchanged,
    long Invalid, long Merged, long NotMailable, long Warnings, string? Error, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt);

/// <summary>A problem with one row (or the header, row 1).</summary>
/// <param name="Row">1-based row in the file, the header being row 1.</param>
/// <param name="Column">The column header concerned, if one.</param>
/// <param name="Severity"><c>error</c> (row refused) or <c>warning</c> (row applied).</param>
/// <param name="Message">What is wrong.</param>
/// <param name="Address">The address of the row, when readable.</param>
[Immutable]
public sealed record ImportIssue(long Row, string? Column, string Severity, string Message, string? Address);

/// <summary>One import of a file into a tenant's contacts, keyed <c>tenant/import-id</c>: the file is uploaded in chunks,
/// then its rows are applied in steps, each step's progress stored so that after a crash the import resumes after the
/// last completed step (a repeated step changes nothing twice: upserts and consent ids are idempotent). Emits
/// <c>import.completed</c>.</summary>
public interface IContactImportGrain : IGrainWithStringKey
{
    /// <summary>Creates the import, ready for upload.</summary>
    /// <exception cref="ArgumentException">The definition is invalid; the message names the field.</exception>
    /// <exception cref="InvalidOperationException">The import exists already.</exception>
    Task<ImportStatus> Create(ImportDefinition definition);

    /// <summary>Stores a chunk of the file at <paramref name="offset"/> (which must be the bytes received so far; a chunk
    /// sent again after a lost answer is accepted when it ends at or before that). Returns the bytes received.</summary>
    Task<long> AppendChunk(long offset, byte[] data);

    /// <summary>Ends the upload and starts applying rows; <paramref name="totalBytes"/> must equal the bytes received.</summary>
    Task<ImportStatus> Start(long totalBytes);

    /// <summary>Progress and counts.</summary>
    [ReadOnly]
    Task<ImportStatus> GetStatus();

    /// <summary>Issues in row order, from <paramref name="offset"/> (at most 10,000 are kept).</summary>
    [ReadOnly]
    Task<IReadOnlyList<ImportIssue>> GetIssues(int offset, int limit);

    /// <summary>Stops the import after the current step.</summary>
    Task<ImportStatus> Cancel();

    /// <summary>The stored issues that name <paramref name="address"/> (a normalized address), for a GDPR export.</summary>
    [ReadOnly]
    Task<IReadOnlyList<ImportIssue>> IssuesAbout(string address);

    /// <summary>Removes <paramref name="address"/> (a normalized address) from the stored issues, for a GDPR erasure: the
    /// issue keeps its row, column and severity. Returns how many issues were redacted.</summary>
    Task<int> RedactAddress(string address);
}

/// <summary>The import does not exist.</summary>
public sealed class ImportNotFoundException(string key) : InvalidOperationException($"Import '{key}' does not exist.")
{
    /// <summary>The import's grain key.</summary>
    public string Key { get; } = key;
}

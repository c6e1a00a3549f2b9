using MailMesh.Audience.Privacy;
using MailMesh.Audience.ReadModel;
using MailMesh.Blobs;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailMesh.Audience.Import;

/// <summary>An import of one file: chunks are stored as blobs; once started, a timer applies the rows step by step, each
/// step's cursor and counts stored after its contacts were written, and a durable reminder resumes it after a crash
/// (docs/adr/audience-02-resumable-imports.md).</summary>
public sealed partial class ContactImportGrain(
    [PersistentState("import")] IPersistentState<ContactImportState> state,
    IBlobStore blobs,
    IOptions<AudienceOptions> options,
    ILogger<ContactImportGrain> logger,
    AddressHasher hasher,
    IContactReadModel readModel,
    IOptions<GrainRuntimeOptions> runtimeOptions,
    IGrainStorageBatch? storageBatch = null) : Grain, IContactImportGrain, IRemindable
{
    /// <summary>Most contact grains an import step calls at once.</summary>
    public const int MaxParallelUpserts = 256;

    private readonly ContactBulkWriter? _bulk = storageBatch is null || !options.Value.BulkImport
        ? null
        : new ContactBulkWriter(storageBatch, readModel, runtimeOptions.Value.JsonOptions);

    /// <summary>Largest chunk accepted.</summary>
    public const int MaxChunkBytes = 4 * 1024 * 1024;

    /// <summary>Largest file accepted.</summary>
    public const long MaxFileBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>Most issues kept (all are counted).</summary>
    public const int MaxStoredIssues = 10_000;

    private const string ResumeReminder = "resume";

    /// <summary>Longest a step waits in its turn for the reading order to be ready before giving the turn back.</summary>
    private static readonly TimeSpan ReadyWait = TimeSpan.FromMilliseconds(200);

    private string Id => GrainKey[(GrainId.Tenant.Length + 1)..];

    private string BlobPrefix => $"imports/{GrainId.Tenant}/{Id}/";

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.State == ImportState.Running)
        {
            StartStepping();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        StopStepping();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<ImportStatus> Create(ImportDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (state.RecordExists)
        {
            throw new InvalidOperationException($"Import '{GrainKey}' exists already.");
        }

        Validate(definition);
        state.State = new ContactImportState
        {
            Definition = definition, CreatedAt = TimeProvider.GetUtcNow(), ChunkKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        };
        await state.WriteStateAsync();
        return Status();
    }

    /// <inheritdoc />
    public async Task<long> AppendChunk(long offset, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        RequireState(ImportState.Uploading);
        var s = state.State;
        if (offset + data.Length <= s.BytesReceived && offset >= 0)
        {
            return s.BytesReceived; // a retry of a chunk already stored
        }

        if (offset != s.BytesReceived)
        {
            throw new ArgumentException($"offset {offset} does not continue the upload; {s.BytesReceived} bytes were received so far.", nameof(offset));
        }

        if (data.Length is 0 or > MaxChunkBytes)
        {
            throw new ArgumentException($"a chunk must be 1-{MaxChunkBytes} bytes; it is {data.Length}.", nameof(data));
        }

        if (s.BytesReceived + data.Length > MaxFileBytes)
        {
            throw new ArgumentException($"the file would exceed {MaxFileBytes} bytes.", nameof(data));
        }

        using (var content = new MemoryStream(ChunkCipher.Seal(s.ChunkKey, s.Chunks.Count, data), writable: false))
        {
            await blobs.PutAsync(BlobPrefix + s.Chunks.Count.ToString("D8", System.Globalization.CultureInfo.InvariantCulture), content, "application/octet-stream");
        }

        s.Chunks.Add(data.Length);
        s.BytesReceived += data.Length;
        await state.WriteStateAsync();
        return s.BytesReceived;
    }

    /// <inheritdoc />
    public async Task<ImportStatus> Start(long totalBytes)
    {
        if (state.RecordExists && state.State.State == ImportState.Running && state.State.TotalBytes == totalBytes)
        {
            return Status(); // a retried start
        }

        RequireState(ImportState.Uploading);
        if (totalBytes != state.State.BytesReceived || totalBytes == 0)
        {
            throw new ArgumentException($"total_bytes is {totalBytes} but {state.State.BytesReceived} bytes were received; upload the whole file (at least 1 byte) first.", nameof(totalBytes));
        }

        state.State.TotalBytes = totalBytes;
        state.State.OrderRun = options.Value.ImportOrderRun;
        state.State.State = ImportState.Running;
        await state.WriteStateAsync();
        await RegisterOrUpdateReminderAsync(ResumeReminder, options.Value.ImportResumeInterval, options.Value.ImportResumeInterval);
        StartStepping();
        return Status();
    }

    /// <inheritdoc />
    public Task<ImportStatus> GetStatus()
    {
        RequireImport();
        return Task.FromResult(Status());
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ImportIssue>> GetIssues(int offset, int limit)
    {
        RequireImport();
        if (offset < 0 || limit is < 1 or > MaxStoredIssues)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), $"offset must be 0 or more and limit 1-{MaxStoredIssues}.");
        }

        IReadOnlyList<ImportIssue> page = state.State.Issues.Skip(offset).Take(limit).ToArray();
        return Task.FromResult(page);
    }

    /// <inheritdoc />
    public async Task<ImportStatus> Cancel()
    {
        RequireImport();
        if (state.State.State is ImportState.Uploading or ImportState.Running)
        {
            await FinishAsync(ImportState.Cancelled, null);
        }

        return Status();
    }

    /// <inheritdoc />
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.State.State == ImportState.Running)
        {
            StartStepping();
        }
        else
        {
            await UnregisterReminderAsync(reminderName);
        }
    }

    private void Validate(ImportDefinition d)
    {
        if (string.IsNullOrWhiteSpace(d.FileName) || d.FileName.Length > 255)
        {
            throw new ArgumentException("file_name must be 1-255 characters.", nameof(ImportDefinition.FileName));
        }

        if (!Enum.IsDefined(d.Format))
        {
            throw new ArgumentException("format must be csv or xlsx.", nameof(ImportDefinition.Format));
        }

        foreach (var list in d.Lists ?? [])
        {
            if (AttributeParsing.ListNameProblem(list) is { } problem)
            {
                throw new ArgumentException(problem + ".", nameof(ImportDefinition.Lists));
            }
        }

        if (d.ConsentPurpose is { } purpose && purpose != "*" && AttributeParsing.ListNameProblem(purpose) is { } purposeProblem)
        {
            throw new ArgumentException($"consent purpose: {purposeProblem} (use '*' for all marketing mail).", nameof(ImportDefinition.ConsentPurpose));
        }

        if (d.Delimiter is { } delimiter && (delimiter.Length != 1 || delimiter is "\"" or "\r" or "\n"))
        {
            throw new ArgumentException("delimiter must be one character other than a quote or a line break.", nameof(ImportDefinition.Delimiter));
        }

        if (d.Sheet is < 0 or > 1000)
        {
            throw new ArgumentException("sheet must be 0-1000.", nameof(ImportDefinition.Sheet));
        }
    }

    private void RequireImport()
    {
        if (!state.RecordExists)
        {
            throw new ImportNotFoundException(GrainKey);
        }
    }

    private void RequireState(ImportState expected)
    {
        RequireImport();
        if (state.State.State != expected)
        {
            throw new InvalidOperationException($"import '{Id}' is {state.State.State.ToString().ToLowerInvariant()}, not {expected.ToString().ToLowerInvariant()}.");
        }
    }

    private ImportStatus Status()
    {
        var s = state.State;
        return new ImportStatus(
            Id, s.Definition?.FileName ?? "", s.State, s.BytesReceived, s.TotalBytes, s.RowsRead, s.Created, s.Updated, s.Unchanged, s.Invalid,
            s.Merged, s.NotMailable, s.Warnings, s.Error, s.CreatedAt, s.CompletedAt);
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Import {Import}: a step failed and will be retried from row {Row}")]
    private static partial void LogStepFailed(ILogger logger, Exception exception, string import, long row);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Information, Message = "Import {Import} {State}: {Rows} rows, {Created} created, {Updated} updated, {Invalid} invalid")]
    private static partial void LogFinished(ILogger logger, string import, ImportState state, long rows, long created, long updated, long invalid);
}

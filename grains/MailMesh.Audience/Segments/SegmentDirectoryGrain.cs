using MailMesh.Audience.Contacts;
using MailMesh.Audience.ReadModel;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;

namespace MailMesh.Audience.Segments;

/// <summary>A tenant's saved segments (docs/segments.md): definitions in the grain's state; counts, samples and members
/// from the read model, through SQL compiled from the expression against the tenant's schema; snapshot members frozen
/// in the read model under a snapshot id that the state names (rows of any other id are left-overs of an interrupted
/// snapshot and are deleted).</summary>
public sealed class SegmentDirectoryGrain(
    [PersistentState("segments")] IPersistentState<SegmentDirectoryState> state, IContactReadModel readModel) : Grain, ISegmentDirectoryGrain
{
    private readonly IContactSegmentStore _store = readModel as IContactSegmentStore
        ?? throw new InvalidOperationException($"the contacts read model {readModel.GetType().Name} does not answer segment queries (IContactSegmentStore).");

    /// <summary>Most segments a tenant may save.</summary>
    public const int MaxSegments = 1000;

    /// <summary>Largest sample of a preview.</summary>
    public const int MaxSample = 100;

    /// <summary>Largest page of members.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The grain's key for <paramref name="tenant"/>.</summary>
    public static string KeyFor(string tenant) => tenant + "/segments";

    /// <inheritdoc />
    public async Task<SegmentInfo> Save(SegmentDefinition definition, bool replace)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (AttributeParsing.ListNameProblem(definition.Name) is { } problem)
        {
            throw new ArgumentException(problem.Replace("list name", "segment name", StringComparison.Ordinal) + ".", "name");
        }

        if (definition.Description is { Length: > 500 })
        {
            throw new ArgumentException("the description is longer than 500 characters.", "description");
        }

        if (!Enum.IsDefined(definition.Mode))
        {
            throw new ArgumentException($"mode {(int)definition.Mode} is neither dynamic nor snapshot.", "mode");
        }

        var segments = state.State.Segments;
        segments.TryGetValue(definition.Name, out var existing);
        if (existing is not null && !replace)
        {
            throw new ArgumentException($"segment '{definition.Name}' exists already; save it with replace to change it.", "name");
        }

        if (existing is null && segments.Count >= MaxSegments)
        {
            throw new ArgumentException($"the tenant has {segments.Count} segments; at most {MaxSegments} are allowed.", "name");
        }

        var now = TimeProvider.GetUtcNow();
        var query = await CompileAsync(definition.Expression, now);
        var saved = new SavedSegment
        {
            Name = definition.Name,
            Expression = definition.Expression,
            Mode = definition.Mode,
            Description = definition.Description,
            CreatedAt = existing?.CreatedAt ?? now,
            UpdatedAt = now,
        };
        if (definition.Mode == SegmentMode.Snapshot)
        {
            await FreezeAsync(saved, query, now);
        }

        segments[definition.Name] = saved;
        await state.WriteStateAsync();
        await _store.DeleteSnapshotsAsync(GrainId.Tenant, saved.Name, saved.SnapshotId);
        return saved.Info();
    }

    /// <inheritdoc />
    public Task<SegmentInfo?> Get(string name) =>
        Task.FromResult(state.State.Segments.TryGetValue(name, out var segment) ? segment.Info() : null);

    /// <inheritdoc />
    public Task<IReadOnlyList<SegmentInfo>> List() =>
        Task.FromResult<IReadOnlyList<SegmentInfo>>(state.State.Segments.Values.OrderBy(s => s.Name, StringComparer.Ordinal).Select(s => s.Info()).ToArray());

    /// <inheritdoc />
    public async Task<bool> Delete(string name)
    {
        if (!state.State.Segments.Remove(name))
        {
            return false;
        }

        await state.WriteStateAsync();
        await _store.DeleteSnapshotsAsync(GrainId.Tenant, name, null);
        return true;
    }

    /// <inheritdoc />
    public async Task<SegmentPreview> Preview(string expression, int sampleSize)
    {
        CheckSample(sampleSize);
        var now = TimeProvider.GetUtcNow();
        var query = await CompileAsync(expression, now);
        return await PreviewAsync(query, sampleSize, now);
    }

    /// <inheritdoc />
    public async Task<SegmentPreview> Count(string name, int sampleSize)
    {
        CheckSample(sampleSize);
        var segment = Find(name);
        if (segment.Mode == SegmentMode.Snapshot)
        {
            var count = await _store.CountSnapshotAsync(GrainId.Tenant, name, segment.SnapshotId!);
            var sample = sampleSize == 0 ? Array.Empty<string>() : await _store.ListSnapshotAsync(GrainId.Tenant, name, segment.SnapshotId!, null, sampleSize);
            return new SegmentPreview(count, sample, segment.SnapshotAt!.Value);
        }

        var now = TimeProvider.GetUtcNow();
        return await PreviewAsync(await CompileAsync(segment.Expression, now), sampleSize, now);
    }

    /// <inheritdoc />
    public async Task<SegmentInfo> Snapshot(string name)
    {
        var segment = Find(name);
        if (segment.Mode != SegmentMode.Snapshot)
        {
            throw new InvalidOperationException($"segment '{name}' is dynamic (evaluated when used); save it in snapshot mode to freeze its members.");
        }

        var now = TimeProvider.GetUtcNow();
        await FreezeAsync(segment, await CompileAsync(segment.Expression, now), now);
        await state.WriteStateAsync();
        await _store.DeleteSnapshotsAsync(GrainId.Tenant, name, segment.SnapshotId);
        return segment.Info();
    }

    /// <inheritdoc />
    public async Task<SegmentMemberPage> Members(string name, string? after, int limit)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"page_size must be 1-{MaxPageSize}.");
        }

        var segment = Find(name);
        var page = segment.Mode == SegmentMode.Snapshot
            ? await _store.ListSnapshotAsync(GrainId.Tenant, name, segment.SnapshotId!, after, limit)
            : await _store.ListMatchingAsync(GrainId.Tenant, await CompileAsync(segment.Expression, TimeProvider.GetUtcNow()), after, limit);
        return new SegmentMemberPage(page, page.Count == limit ? page[^1] : null);
    }

    private async Task<SegmentQuery> CompileAsync(string expression, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var schema = await GrainFactory.GetGrain<IContactSchemaGrain>(ContactSchemaGrain.KeyFor(GrainId.Tenant)).Get();
        var slots = await _store.GetSlotsAsync(GrainId.Tenant);
        var predicate = SegmentParser.Parse(expression, new SegmentFields(schema, slots), now);
        return _store.Compile(predicate);
    }

    private async Task<SegmentPreview> PreviewAsync(SegmentQuery query, int sampleSize, DateTimeOffset now)
    {
        var count = await _store.CountMatchingAsync(GrainId.Tenant, query);
        var sample = sampleSize == 0 || count == 0 ? Array.Empty<string>() : await _store.ListMatchingAsync(GrainId.Tenant, query, null, sampleSize);
        return new SegmentPreview(count, sample, now);
    }

    private async Task FreezeAsync(SavedSegment segment, SegmentQuery query, DateTimeOffset now)
    {
        var snapshot = Guid.NewGuid().ToString("N");
        segment.SnapshotCount = await _store.SnapshotAsync(GrainId.Tenant, segment.Name, snapshot, query);
        segment.SnapshotId = snapshot;
        segment.SnapshotAt = now;
    }

    private SavedSegment Find(string name) =>
        state.State.Segments.TryGetValue(name, out var segment) ? segment : throw new SegmentNotFoundException(name);

    private static void CheckSample(int sampleSize)
    {
        if (sampleSize is < 0 or > MaxSample)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleSize), sampleSize, $"sample_size must be 0-{MaxSample}.");
        }
    }
}

/// <summary>What a segment directory persists.</summary>
public sealed class SegmentDirectoryState
{
    /// <summary>The saved segments by name.</summary>
    public Dictionary<string, SavedSegment> Segments { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One saved segment.</summary>
public sealed class SavedSegment
{
    /// <summary>Its name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The expression as saved.</summary>
    public string Expression { get; set; } = "";

    /// <summary>Dynamic or snapshot.</summary>
    public SegmentMode Mode { get; set; }

    /// <summary>What it is for.</summary>
    public string? Description { get; set; }

    /// <summary>First saved.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Last saved.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The id of the frozen members in the read model (snapshot segments).</summary>
    public string? SnapshotId { get; set; }

    /// <summary>When the members were frozen.</summary>
    public DateTimeOffset? SnapshotAt { get; set; }

    /// <summary>How many were frozen.</summary>
    public long? SnapshotCount { get; set; }

    /// <summary>As callers see it.</summary>
    public SegmentInfo Info() => new(Name, Expression, Mode, Description, CreatedAt, UpdatedAt, SnapshotAt, SnapshotCount);
}

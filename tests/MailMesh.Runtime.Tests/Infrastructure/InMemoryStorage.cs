using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime.Tests.Infrastructure;

/// <summary>Grain storage in memory for runtime unit tests, with the same ETag and event semantics as the real
/// providers and a switch that makes writes fail like a full disk.</summary>
public sealed class InMemoryGrainStorage : IGrainStorage
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string State, GrainId Grain), StoredState> _rows = [];
    private readonly List<EventRecord> _events = [];
    private int _etag;

    /// <summary>When set and it returns true for a grain, writes of that grain fail with a StorageException.</summary>
    public Func<GrainId, bool>? FailWritesOf { get; set; }

    public IReadOnlyList<EventRecord> Events
    {
        get
        {
            lock (_lock)
            {
                return _events.ToArray();
            }
        }
    }

    public void Put(string stateName, GrainId grain, byte[] payload)
    {
        lock (_lock)
        {
            _rows[(stateName, grain)] = new StoredState(payload, $"e{++_etag}");
        }
    }

    public byte[]? Get(string stateName, GrainId grain)
    {
        lock (_lock)
        {
            return _rows.TryGetValue((stateName, grain), out var row) ? row.Payload : null;
        }
    }

    public Task<StoredState?> ReadAsync(string stateName, GrainId grain, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_rows.TryGetValue((stateName, grain), out var row) ? new StoredState(row.Payload.ToArray(), row.ETag) : null);
        }
    }

    public Task<WriteResult> WriteAsync(string stateName, GrainId grain, ReadOnlyMemory<byte> payload, string? expectedETag,
        IReadOnlyList<EventDraft> events, CancellationToken cancellationToken = default) =>
        Apply(stateName, grain, payload.ToArray(), expectedETag, events);

    public Task<WriteResult> ClearAsync(string stateName, GrainId grain, string? expectedETag, IReadOnlyList<EventDraft> events,
        CancellationToken cancellationToken = default) =>
        Apply(stateName, grain, null, expectedETag, events);

    private async Task<WriteResult> Apply(string stateName, GrainId grain, byte[]? payload, string? expectedETag, IReadOnlyList<EventDraft> events)
    {
        // Like a real store, answer asynchronously.
        await Task.Yield();
        lock (_lock)
        {
            if (FailWritesOf?.Invoke(grain) == true)
            {
                throw new StorageException("The in-memory store is full; nothing was written.", isTransient: true);
            }

            _rows.TryGetValue((stateName, grain), out var stored);
            if (stored?.ETag != expectedETag)
            {
                throw new InconsistentStateException(stateName, grain, expectedETag, stored?.ETag);
            }

            string? etag = null;
            if (payload is null)
            {
                _rows.Remove((stateName, grain));
            }
            else
            {
                etag = $"e{++_etag}";
                _rows[(stateName, grain)] = new StoredState(payload, etag);
            }

            var sequences = new List<long>();
            foreach (var e in events)
            {
                var record = new EventRecord(_events.Count + 1, e.EventId, e.Tenant, e.Type, e.Subject, e.Time, e.PayloadJson);
                _events.Add(record);
                sequences.Add(record.Sequence);
            }

            return new WriteResult(etag, sequences);
        }
    }
}

/// <summary>Reminders in memory.</summary>
public sealed class InMemoryReminderTable : IReminderTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(GrainId, string), ReminderEntry> _rows = [];
    private int _etag;

    public Task<ReminderEntry> UpsertAsync(GrainId grain, string name, DateTimeOffset firstDue, TimeSpan period, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var entry = new ReminderEntry(grain, name, firstDue, period, $"r{++_etag}");
            _rows[(grain, name)] = entry;
            return Task.FromResult(entry);
        }
    }

    public Task<bool> RemoveAsync(GrainId grain, string name, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_rows.Remove((grain, name)));
        }
    }

    public Task<IReadOnlyList<ReminderEntry>> ReadAsync(GrainId grain, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ReminderEntry>>(_rows.Values.Where(r => r.Grain == grain).ToList());
        }
    }

    public Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ReminderEntry>>(_rows.Values.ToList());
        }
    }
}

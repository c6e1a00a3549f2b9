using System.Text.Json;
using MailMesh.Runtime.Internal.Activation;
using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime.Internal.Persistence;

/// <summary>A grain's persistent state: JSON in <see cref="IGrainStorage"/>, guarded by its ETag; a write carries the
/// grain's pending events into the same transaction.</summary>
internal sealed class PersistentState<TState> : IPersistentState<TState>, IStateHandle
    where TState : new()
{
    private readonly ActivationData _activation;
    private byte[]? _lastStored;

    public PersistentState(string name, ActivationData activation)
    {
        Name = name;
        _activation = activation;
        State = new TState();
    }

    public string Name { get; }

    public TState State { get; set; }

    public string? ETag { get; private set; }

    public bool RecordExists { get; private set; }

    private IGrainStorage Storage => _activation.Runtime.Storage;

    private JsonSerializerOptions JsonOptions => _activation.Runtime.Options.JsonOptions;

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        StoredState? row;
        try
        {
            row = await Storage.ReadAsync(Name, _activation.GrainId, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new StateReadException($"reading state '{Name}' failed: {e.Message}", e);
        }

        if (row is null)
        {
            State = new TState();
            ETag = null;
            RecordExists = false;
            _lastStored = null;
            return;
        }

        TState? value;
        try
        {
            value = JsonSerializer.Deserialize<TState>(row.Payload, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new StateReadException(
                $"state '{Name}' is stored but is not valid JSON for {typeof(TState).Name} ({e.Message}); the stored row was left as it is", e);
        }

        if (value is null)
        {
            throw new StateReadException(
                $"state '{Name}' is stored as JSON null, not a {typeof(TState).Name}; the stored row was left as it is",
                new JsonException("null state"));
        }

        State = value;
        ETag = row.ETag;
        RecordExists = true;
        _lastStored = row.Payload;
    }

    Task IStateHandle.ReadAsync(CancellationToken cancellationToken) => ReadStateAsync(cancellationToken);

    public async Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(State, JsonOptions);
        var events = _activation.PendingEvents.ToArray();
        WriteResult result;
        try
        {
            result = await Storage.WriteAsync(Name, _activation.GrainId, payload, ETag, events, cancellationToken);
        }
        catch (StorageException e)
        {
            throw new StorageException($"Writing state '{Name}' of {_activation.GrainId} failed: {e.Message}", e.IsTransient, e);
        }

        ETag = result.ETag;
        RecordExists = true;
        _lastStored = payload;
        _activation.PendingEvents.RemoveRange(0, Math.Min(events.Length, _activation.PendingEvents.Count));
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        var events = _activation.PendingEvents.ToArray();
        try
        {
            await Storage.ClearAsync(Name, _activation.GrainId, ETag, events, cancellationToken);
        }
        catch (StorageException e)
        {
            throw new StorageException($"Clearing state '{Name}' of {_activation.GrainId} failed: {e.Message}", e.IsTransient, e);
        }

        State = new TState();
        ETag = null;
        RecordExists = false;
        _lastStored = null;
        _activation.PendingEvents.RemoveRange(0, Math.Min(events.Length, _activation.PendingEvents.Count));
    }

    public Task PersistIfChangedAsync(CancellationToken cancellationToken)
    {
        if (_activation.PendingEvents.Count > 0)
        {
            return WriteStateAsync(cancellationToken);
        }

        var current = JsonSerializer.SerializeToUtf8Bytes(State, JsonOptions);
        var baseline = _lastStored ?? JsonSerializer.SerializeToUtf8Bytes(new TState(), JsonOptions);
        return current.AsSpan().SequenceEqual(baseline) ? Task.CompletedTask : WriteStateAsync(cancellationToken);
    }
}

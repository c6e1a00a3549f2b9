namespace MailMesh.Runtime;

/// <summary>A grain's persistent state, read at activation and written on demand, guarded by an ETag:
/// a write based on a stale read throws <see cref="InconsistentStateException"/> and changes nothing.</summary>
/// <typeparam name="TState">The state type; serialized as JSON.</typeparam>
public interface IPersistentState<TState>
    where TState : new()
{
    /// <summary>The current state (a new <typeparamref name="TState"/> when none is stored).</summary>
    TState State { get; set; }

    /// <summary>The ETag of the last read or write; null when no record exists.</summary>
    string? ETag { get; }

    /// <summary>Whether a record is stored.</summary>
    bool RecordExists { get; }

    /// <summary>Reads the state from the store, replacing <see cref="State"/>.</summary>
    Task ReadStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes <see cref="State"/>, together with the events raised since the last write, in one
    /// transaction: no event without its state change and no state change without its events.</summary>
    Task WriteStateAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes the stored record (with the same ETag check) and resets <see cref="State"/>.</summary>
    Task ClearStateAsync(CancellationToken cancellationToken = default);
}

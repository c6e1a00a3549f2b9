namespace MailMesh.Runtime.Storage;

/// <summary>Stores grain state rows with ETag optimistic concurrency, and appends the events that go with
/// a state change in the same transaction. Implemented by the SQLite (embedded) and PostgreSQL (cluster)
/// providers.</summary>
public interface IGrainStorage
{
    /// <summary>Reads a state row; null when none is stored.</summary>
    Task<StoredState?> ReadAsync(string stateName, GrainId grain, CancellationToken cancellationToken = default);

    /// <summary>Writes a state row and appends <paramref name="events"/> atomically.</summary>
    /// <param name="stateName">Name of the state within the grain.</param>
    /// <param name="grain">The owning grain.</param>
    /// <param name="payload">The serialized state (UTF-8 JSON).</param>
    /// <param name="expectedETag">The ETag the writer read; null when it read no row.</param>
    /// <param name="events">Events raised by the change; may be empty.</param>
    /// <param name="cancellationToken">Cancels the write (before commit).</param>
    /// <returns>The new ETag and the sequence numbers given to the events, in order.</returns>
    /// <exception cref="InconsistentStateException">The stored ETag differs from <paramref name="expectedETag"/>.</exception>
    /// <exception cref="StorageException">The store failed (e.g. disk full); nothing was written.</exception>
    Task<WriteResult> WriteAsync(
        string stateName,
        GrainId grain,
        ReadOnlyMemory<byte> payload,
        string? expectedETag,
        IReadOnlyList<EventDraft> events,
        CancellationToken cancellationToken = default);

    /// <summary>Deletes a state row (ETag-checked) and appends <paramref name="events"/> atomically.</summary>
    Task<WriteResult> ClearAsync(
        string stateName,
        GrainId grain,
        string? expectedETag,
        IReadOnlyList<EventDraft> events,
        CancellationToken cancellationToken = default);
}

/// <summary>A stored state row.</summary>
/// <param name="Payload">Serialized state (UTF-8 JSON), exactly as written.</param>
/// <param name="ETag">Its ETag.</param>
public sealed record StoredState(byte[] Payload, string ETag);

/// <summary>The outcome of a write.</summary>
/// <param name="ETag">The new ETag (null after a clear).</param>
/// <param name="EventSequences">Global sequence numbers given to the events, in order.</param>
public sealed record WriteResult(string? ETag, IReadOnlyList<long> EventSequences);

namespace MailMesh.Runtime.Storage;

/// <summary>An optional capability of a grain storage provider: reading many state rows in one query and writing many
/// (each with its events) in one transaction. Bulk work such as a contact import uses it instead of one write per
/// grain; providers without it are used one row at a time.</summary>
public interface IGrainStorageBatch
{
    /// <summary>Reads the state rows of <paramref name="grains"/>; the answer has one entry per grain, in order (null
    /// where none is stored).</summary>
    Task<IReadOnlyList<StoredState?>> ReadManyAsync(string stateName, IReadOnlyList<GrainId> grains, CancellationToken cancellationToken = default);

    /// <summary>Reads only the ETags of the state rows of <paramref name="grains"/>: one entry per grain, in order (null
    /// where none is stored). For checking whether states changed since they were read, without reading them again.
    /// A provider that cannot read less answers from <see cref="ReadManyAsync"/>.</summary>
    async Task<IReadOnlyList<string?>> ReadETagsAsync(string stateName, IReadOnlyList<GrainId> grains, CancellationToken cancellationToken = default)
    {
        var stored = await ReadManyAsync(stateName, grains, cancellationToken).ConfigureAwait(false);
        var etags = new string?[stored.Count];
        for (var i = 0; i < etags.Length; i++)
        {
            etags[i] = stored[i]?.ETag;
        }

        return etags;
    }

    /// <summary>Writes every row with its events in one transaction: all of them or none. Each row is ETag-checked as
    /// <see cref="IGrainStorage.WriteAsync"/> does.</summary>
    /// <returns>One result per write, in order.</returns>
    /// <exception cref="InconsistentStateException">A stored ETag differs from the expected one; nothing was written.</exception>
    /// <exception cref="StorageException">The store failed; nothing was written.</exception>
    Task<IReadOnlyList<WriteResult>> WriteManyAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken = default);
}

/// <summary>One row of <see cref="IGrainStorageBatch.WriteManyAsync"/>.</summary>
/// <param name="StateName">Name of the state within the grain.</param>
/// <param name="Grain">The owning grain.</param>
/// <param name="Payload">The serialized state (UTF-8 JSON).</param>
/// <param name="ExpectedETag">The ETag the writer read; null when it read no row (the write then only creates).</param>
/// <param name="Events">Events that go with the change; may be empty.</param>
public sealed record StateWrite(string StateName, GrainId Grain, ReadOnlyMemory<byte> Payload, string? ExpectedETag, IReadOnlyList<EventDraft> Events);

/// <summary>An optional capability of an event log: tombstoning the events about a person who asked to be forgotten.
/// A tombstoned event keeps its sequence, id, tenant, type and time; its subject and payload are replaced.</summary>
public interface IEventLogRedaction
{
    /// <summary>Replaces, in the events of <paramref name="tenant"/> whose subject is <paramref name="subject"/> or whose
    /// payload contains any of <paramref name="payloadNeedles"/> (ordinal), the subject (only where it was
    /// <paramref name="subject"/>) with <paramref name="replacementSubject"/> and the payload with
    /// <paramref name="replacementPayloadJson"/> (a JSON object). Idempotent.</summary>
    /// <returns>How many events were tombstoned.</returns>
    Task<long> RedactAsync(
        string tenant, string subject, IReadOnlyList<string> payloadNeedles, string replacementSubject, string replacementPayloadJson,
        CancellationToken cancellationToken = default);
}

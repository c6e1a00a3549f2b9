using MailMesh.Runtime.Sqlite.Internal;
using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime.Sqlite;

/// <summary>Grain state in the <c>grain_state</c> table of a <see cref="SqliteStore"/>, with ETag checks and the
/// state change's events appended to <c>event_log</c> in the same transaction.</summary>
public sealed class SqliteGrainStorage : IGrainStorage
{
    private readonly SqliteStore _store;

    /// <summary>Creates the provider over <paramref name="store"/> (which it does not own).</summary>
    public SqliteGrainStorage(SqliteStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <inheritdoc />
    public Task<StoredState?> ReadAsync(string stateName, GrainId grain, CancellationToken cancellationToken = default)
    {
        StorageArguments.Name(stateName, "state name", nameof(stateName));
        StorageArguments.Grain(grain, nameof(grain));
        return _store.ExecuteReadAsync($"reading state '{stateName}' of {grain}", (stateName, grain), static (reader, args) =>
        {
            var statement = reader.SelectState.Bind(0, args.stateName).Bind(1, args.grain.Type).Bind(2, args.grain.Key);
            using var row = statement.Query();
            if (!row.Read())
            {
                return null;
            }

            return new StoredState(row.GetFieldValue<byte[]>(1), row.GetString(0));
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<WriteResult> WriteAsync(
        string stateName,
        GrainId grain,
        ReadOnlyMemory<byte> payload,
        string? expectedETag,
        IReadOnlyList<EventDraft> events,
        CancellationToken cancellationToken = default)
    {
        StorageArguments.Name(stateName, "state name", nameof(stateName));
        StorageArguments.Grain(grain, nameof(grain));
        StorageArguments.Events(events, nameof(events));
        var args = new Change(stateName, grain, Text.Bytes(payload), expectedETag, events, Text.Time(_store.TimeProvider.GetUtcNow()));
        return WriteCoreAsync($"writing state '{stateName}' of {grain}", args, cancellationToken);
    }

    /// <inheritdoc />
    public Task<WriteResult> ClearAsync(
        string stateName,
        GrainId grain,
        string? expectedETag,
        IReadOnlyList<EventDraft> events,
        CancellationToken cancellationToken = default)
    {
        StorageArguments.Name(stateName, "state name", nameof(stateName));
        StorageArguments.Grain(grain, nameof(grain));
        StorageArguments.Events(events, nameof(events));
        var args = new Change(stateName, grain, Payload: null, expectedETag, events, UpdatedAt: string.Empty);
        return WriteCoreAsync($"clearing state '{stateName}' of {grain}", args, cancellationToken);
    }

    private async Task<WriteResult> WriteCoreAsync(string operation, Change change, CancellationToken cancellationToken)
    {
        var result = await _store.ExecuteWriteAsync(operation, change, static (writer, c) => Apply(writer, c), cancellationToken).ConfigureAwait(false);
        if (result.EventSequences.Count > 0)
        {
            _store.PublishSequence(result.EventSequences[^1]);
        }

        return result;
    }

    private static WriteResult Apply(WriterConnection writer, Change change)
    {
        var (stateName, grain) = (change.StateName, change.Grain);
        var stored = writer.SelectStateETag.Bind(0, stateName).Bind(1, grain.Type).Bind(2, grain.Key).Scalar() as string;
        if (!string.Equals(stored, change.ExpectedETag, StringComparison.Ordinal))
        {
            throw new InconsistentStateException(stateName, grain, change.ExpectedETag, stored);
        }

        string? etag = null;
        if (change.Payload is not null)
        {
            etag = Text.NewETag();
            writer.UpsertState
                .Bind(0, stateName).Bind(1, grain.Type).Bind(2, grain.Key)
                .Bind(3, etag).Bind(4, change.Payload).Bind(5, change.UpdatedAt)
                .Execute();
        }
        else if (stored is not null)
        {
            writer.DeleteState.Bind(0, stateName).Bind(1, grain.Type).Bind(2, grain.Key).Execute();
        }

        return new WriteResult(etag, AppendEvents(writer, change.Events));
    }

    private static long[] AppendEvents(WriterConnection writer, IReadOnlyList<EventDraft> events) =>
        events.Count == 0 ? [] : EventRows.Append(writer, events);

    private sealed record Change(
        string StateName, GrainId Grain, byte[]? Payload, string? ExpectedETag, IReadOnlyList<EventDraft> Events, string UpdatedAt);
}

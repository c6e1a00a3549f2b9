using MailMesh.Runtime.Invocation;
using MailMesh.Runtime.PostgreSql.Internal;
using MailMesh.Runtime.Storage;
using Npgsql;
using NpgsqlTypes;

namespace MailMesh.Runtime.PostgreSql;

/// <summary>Grain state in the <c>grain_state</c> table of a <see cref="PostgreSqlStore"/>, with ETag checks, and the
/// state change's events appended to <c>event_log</c> in the same statement (one round trip, one transaction). A
/// writer holding a stale ETag (for instance a silo that lost its shard and does not know yet) gets
/// <see cref="InconsistentStateException"/> and changes nothing.</summary>
/// <remarks>A write made while a delivered cluster message runs (<see cref="DeliveredMessage.CurrentId"/>) records the
/// message id in <c>grain_messages</c> in the same statement; <see cref="WasAppliedAsync"/> answers from there.</remarks>
public sealed class PostgreSqlGrainStorage : IGrainStorage, IGrainMessageLog
{
    private readonly PostgreSqlStore _store;

    /// <summary>Creates the provider over <paramref name="store"/> (which it does not own).</summary>
    public PostgreSqlGrainStorage(PostgreSqlStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <inheritdoc />
    public Task<StoredState?> ReadAsync(string stateName, GrainId grain, CancellationToken cancellationToken = default)
    {
        StorageArguments.Name(stateName, "state name", nameof(stateName));
        StorageArguments.Grain(grain, nameof(grain));
        return _store.ExecuteAsync($"reading state '{stateName}' of {grain}", Repeat.Read, (Store: _store, stateName, grain), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Store.Sql.SelectState, connection);
            AddKey(command, args.grain, args.stateName);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                return null;
            }

            return new StoredState(reader.GetFieldValue<byte[]>(1), reader.GetString(0));
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
        var kind = expectedETag is null ? StateChangeKind.Insert : StateChangeKind.Update;
        var change = new Change(kind, stateName, grain, payload, expectedETag, Guid.NewGuid().ToString("N"), events, DeliveredMessage.CurrentId);
        return WriteCoreAsync($"writing state '{stateName}' of {grain}", change, cancellationToken);
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
        var kind = expectedETag is null ? StateChangeKind.DeleteMissing : StateChangeKind.Delete;
        var change = new Change(kind, stateName, grain, ReadOnlyMemory<byte>.Empty, expectedETag, ETag: null, events, DeliveredMessage.CurrentId);
        return WriteCoreAsync($"clearing state '{stateName}' of {grain}", change, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> WasAppliedAsync(GrainId grain, string messageId, CancellationToken cancellationToken = default)
    {
        StorageArguments.Grain(grain, nameof(grain));
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        return _store.ExecuteAsync($"looking up message {messageId} of {grain}", Repeat.Read, (Store: _store, grain, messageId), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Store.Sql.SelectMessageApplied, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("type", args.grain.Type));
            command.Parameters.Add(new NpgsqlParameter<string>("key", args.grain.Key));
            command.Parameters.Add(new NpgsqlParameter<string>("message", args.messageId));
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is true;
        }, cancellationToken);
    }

    private async Task<WriteResult> WriteCoreAsync(string operation, Change change, CancellationToken cancellationToken)
    {
        var (applied, sequences) = await _store.ExecuteAsync(operation, Repeat.FencedWrite, (Store: _store, Change: change), static (connection, args, ct) =>
            ApplyAsync(connection, args.Store, args.Change, ct), cancellationToken).ConfigureAwait(false);
        if (!applied)
        {
            var stored = await _store.ExecuteAsync($"reading the stored ETag after a stale {operation}", Repeat.Read, (Store: _store, Change: change), static async (connection, args, ct) =>
            {
                await using var command = new NpgsqlCommand(args.Store.Sql.SelectStateETag, connection);
                AddKey(command, args.Change.Grain, args.Change.StateName);
                return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
            }, cancellationToken).ConfigureAwait(false);
            if (stored is null || !string.Equals(stored, change.ETag, StringComparison.Ordinal))
            {
                throw new InconsistentStateException(change.StateName, change.Grain, change.ExpectedETag, stored);
            }

            // The store holds the ETag this write made (ETags are fresh GUIDs): a first attempt committed before its
            // connection broke, and the repeat found its own result. Report the first attempt's outcome.
            sequences = await ReadSequencesAsync(operation, change.Events, cancellationToken).ConfigureAwait(false);
        }

        if (sequences.Length > 0)
        {
            _store.PublishSequence(sequences[^1]);
        }

        return new WriteResult(change.ETag, sequences);
    }

    private Task<long[]> ReadSequencesAsync(string operation, IReadOnlyList<EventDraft> events, CancellationToken cancellationToken) =>
        events.Count == 0
            ? Task.FromResult<long[]>([])
            : _store.ExecuteAsync($"reading the event sequences of an earlier attempt at {operation}", Repeat.Read, (Store: _store, Events: events, Operation: operation), static async (connection, args, ct) =>
            {
                await using var command = new NpgsqlCommand(args.Store.Sql.SelectEventSequences, connection);
                command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", args.Events.Select(e => e.EventId).ToArray()));
                var found = (await PostgreSqlStore.ReadListAsync(command, r => (Id: r.GetGuid(0), Sequence: r.GetInt64(1)), ct).ConfigureAwait(false))
                    .ToDictionary(x => x.Id, x => x.Sequence);
                return args.Events.Select(e => found.TryGetValue(e.EventId, out var sequence)
                    ? sequence
                    : throw args.Store.Malformed($"event {e.EventId} of a committed write is missing from the event log", args.Operation)).ToArray();
            }, cancellationToken);

    private static async Task<(bool Applied, long[] Sequences)> ApplyAsync(NpgsqlConnection connection, PostgreSqlStore store, Change change, CancellationToken cancellationToken)
    {
        var events = change.Events;
        await using var command = new NpgsqlCommand(store.Sql.WriteState(change.Kind, events.Count > 0, change.MessageId is not null), connection);
        AddKey(command, change.Grain, change.StateName);
        if (change.MessageId is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string>("message", change.MessageId));
            command.Parameters.Add(new NpgsqlParameter<TimeSpan>("window", store.Options.MessageDeduplicationWindow));
        }

        if (change.Kind is StateChangeKind.Insert or StateChangeKind.Update)
        {
            command.Parameters.Add(new NpgsqlParameter<string>("etag", change.ETag!));
            command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>>("payload", NpgsqlDbType.Bytea) { TypedValue = change.Payload });
        }

        if (change.Kind is StateChangeKind.Update or StateChangeKind.Delete)
        {
            command.Parameters.Add(new NpgsqlParameter<string>("expected", change.ExpectedETag!));
        }

        if (events.Count > 0)
        {
            AddEvents(command, store.Sql.Channel, events);
        }

        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (reader.GetInt64(0) == 0)
            {
                return (false, []);
            }

            if (events.Count == 0)
            {
                return (true, []);
            }

            var last = reader.GetInt64(1);
            var sequences = new long[events.Count];
            for (var i = 0; i < sequences.Length; i++)
            {
                sequences[i] = last - sequences.Length + 1 + i;
            }

            return (true, sequences);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.TableName == "event_log" && e.ConstraintName != "event_log_pkey")
        {
            throw await DuplicateEventAsync(connection, store, events, e, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<StorageException> DuplicateEventAsync(
        NpgsqlConnection connection, PostgreSqlStore store, IReadOnlyList<EventDraft> events, PostgresException error, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(store.Sql.SelectExistingEventIds, connection);
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", events.Select(e => e.EventId).ToArray()));
        var existing = (await PostgreSqlStore.ReadListAsync(command, r => r.GetGuid(0), cancellationToken).ConfigureAwait(false)).ToHashSet();
        var duplicates = events.Where(e => existing.Contains(e.EventId)).Select(e => $"{e.EventId} ({e.Type} about {e.Subject})").ToList();
        var which = duplicates.Count > 0 ? string.Join(", ", duplicates) : "one of the events (written by a concurrent writer meanwhile)";
        return new StorageException(
            $"Event {which} is already in the event log of schema '{store.Schema}' on {store.Server}: event ids must be unique. " +
            "Nothing was written.",
            isTransient: false,
            error);
    }

    private static void AddKey(NpgsqlCommand command, GrainId grain, string stateName)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("type", grain.Type));
        command.Parameters.Add(new NpgsqlParameter<string>("key", grain.Key));
        command.Parameters.Add(new NpgsqlParameter<string>("name", stateName));
    }

    private static void AddEvents(NpgsqlCommand command, string channel, IReadOnlyList<EventDraft> events)
    {
        var count = events.Count;
        var (ids, tenants, types, subjects, payloads) = (new Guid[count], new string[count], new string[count], new string[count], new string[count]);
        var (times, ticks, offsets) = (new DateTime[count], new short[count], new short[count]);
        for (var i = 0; i < count; i++)
        {
            var e = events[i];
            (ids[i], tenants[i], types[i], subjects[i], payloads[i]) = (e.EventId, e.Tenant, e.Type, e.Subject, e.PayloadJson);
            var time = StoredTime.From(e.Time);
            (times[i], ticks[i], offsets[i]) = (time.Utc, time.Ticks, time.OffsetMinutes);
        }

        command.Parameters.Add(new NpgsqlParameter<int>("count", count));
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", ids));
        command.Parameters.Add(new NpgsqlParameter<string[]>("tenants", tenants));
        command.Parameters.Add(new NpgsqlParameter<string[]>("types", types));
        command.Parameters.Add(new NpgsqlParameter<string[]>("subjects", subjects));
        command.Parameters.Add(new NpgsqlParameter<DateTime[]>("times", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = times });
        command.Parameters.Add(new NpgsqlParameter<short[]>("timeTicks", ticks));
        command.Parameters.Add(new NpgsqlParameter<short[]>("offsets", offsets));
        command.Parameters.Add(new NpgsqlParameter<string[]>("payloads", payloads));
        command.Parameters.Add(new NpgsqlParameter<string>("channel", channel));
    }

    private sealed record Change(
        StateChangeKind Kind, string StateName, GrainId Grain, ReadOnlyMemory<byte> Payload, string? ExpectedETag, string? ETag, IReadOnlyList<EventDraft> Events,
        string? MessageId);
}

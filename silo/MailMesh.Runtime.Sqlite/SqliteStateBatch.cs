using System.Text;
using MailMesh.Runtime.Sqlite.Internal;
using MailMesh.Runtime.Storage;
using Microsoft.Data.Sqlite;

namespace MailMesh.Runtime.Sqlite;

/// <summary>Bulk reads and writes of grain state over a <see cref="SqliteStore"/> (<see cref="IGrainStorageBatch"/>), and
/// tombstoning of events (<see cref="IEventLogRedaction"/>). A batch of writes is one write of the store's writer loop,
/// so it commits whole or not at all, like a single grain's write.</summary>
public sealed class SqliteStateBatch : IGrainStorageBatch, IEventLogRedaction
{
    /// <summary>Most grains read or written in one call.</summary>
    public const int MaxBatch = 5_000;

    private readonly SqliteStore _store;

    /// <summary>Creates the provider over <paramref name="store"/> (which it does not own).</summary>
    public SqliteStateBatch(SqliteStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredState?>> ReadManyAsync(string stateName, IReadOnlyList<GrainId> grains, CancellationToken cancellationToken = default)
    {
        CheckRead(stateName, grains);
        return _store.ExecuteReadAsync($"reading state '{stateName}' of {grains.Count} grains", (stateName, grains), static (reader, args) =>
            Read(reader, StateColumns.ETagAndPayload, args.stateName, args.grains, static row => new StoredState(row.GetFieldValue<byte[]>(2), row.GetString(1))),
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Selects the ETag alone: SQLite decodes a row's columns up to the last one asked for, and the payload
    /// (a contact's state is about 1.3 KB) is neither decoded nor copied (docs/adr/storage-04-state-versions-read.md).</remarks>
    public Task<IReadOnlyList<string?>> ReadETagsAsync(string stateName, IReadOnlyList<GrainId> grains, CancellationToken cancellationToken = default)
    {
        CheckRead(stateName, grains);
        return _store.ExecuteReadAsync($"reading the ETags of state '{stateName}' of {grains.Count} grains", (stateName, grains), static (reader, args) =>
            Read(reader, StateColumns.ETag, args.stateName, args.grains, static row => row.GetString(1)),
            cancellationToken);
    }

    private static void CheckRead(string stateName, IReadOnlyList<GrainId> grains)
    {
        StorageArguments.Name(stateName, "state name", nameof(stateName));
        ArgumentNullException.ThrowIfNull(grains);
        CheckCount(grains.Count, nameof(grains));
        foreach (var grain in grains)
        {
            StorageArguments.Grain(grain, nameof(grains));
        }
    }

    /// <summary>The rows of <paramref name="ids"/>, each made by <paramref name="make"/> from a row of grain_key and the
    /// <paramref name="columns"/> the reader's statement selects, in the order of <paramref name="ids"/> (default where none
    /// is stored).</summary>
    private static IReadOnlyList<T?> Read<T>(ReaderConnection reader, StateColumns columns, string name, IReadOnlyList<GrainId> ids, Func<SqliteDataReader, T> make)
        where T : class
    {
        var found = new Dictionary<(string Type, string Key), T>();
        // The keys of each grain type go in one JSON array bound as one parameter (binding hundreds of named
        // parameters costs a name lookup each, a linear scan in SQLite); IN (subquery) seeks the key index once per
        // key, in key order. The statement is the reader connection's, compiled once: a command of its own per read compiled
        // it again each time (a campaign batch reads its contacts and, before its claim, their versions).
        foreach (var type in ids.Select(g => g.Type).Distinct(StringComparer.Ordinal))
        {
            using var row = reader.SelectStates(columns).Bind(0, name).Bind(1, type).Bind(2, KeysJson(ids, type)).Query();
            while (row.Read())
            {
                found[(type, row.GetString(0))] = make(row);
            }
        }

        var result = new T?[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            result[i] = found.GetValueOrDefault((ids[i].Type, ids[i].Key));
        }

        return result;
    }

    private static string KeysJson(IReadOnlyList<GrainId> ids, string type)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(ids.Count * 48);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var id in ids)
            {
                if (id.Type == type)
                {
                    json.WriteStringValue(id.Key);
                }
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<WriteResult>> WriteManyAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writes);
        CheckCount(writes.Count, nameof(writes));
        var seen = new HashSet<(string, string, string)>();
        var updatedAt = Text.Time(_store.TimeProvider.GetUtcNow());
        var changes = new (StateWrite Write, byte[] Payload)[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i] ?? throw new ArgumentException($"Write #{i} is null.", nameof(writes));
            StorageArguments.Name(write.StateName, "state name", nameof(writes));
            StorageArguments.Grain(write.Grain, nameof(writes));
            StorageArguments.Events(write.Events, nameof(writes));
            if (!seen.Add((write.StateName, write.Grain.Type, write.Grain.Key)))
            {
                throw new ArgumentException($"Write #{i} repeats state '{write.StateName}' of {write.Grain}; write each row once per batch.", nameof(writes));
            }

            changes[i] = (write, Text.Bytes(write.Payload));
        }

        var results = await _store.ExecuteWriteAsync($"writing {writes.Count} grain states", (changes, updatedAt), static (writer, args) => Apply(writer, args.changes, args.updatedAt), cancellationToken)
            .ConfigureAwait(false);
        var last = results.SelectMany(r => r.EventSequences).DefaultIfEmpty(0).Max();
        if (last > 0)
        {
            _store.PublishSequence(last);
        }

        return results;
    }

    /// <inheritdoc />
    public Task<long> RedactAsync(
        string tenant, string subject, IReadOnlyList<string> payloadNeedles, string replacementSubject, string replacementPayloadJson,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentNullException.ThrowIfNull(payloadNeedles);
        ArgumentException.ThrowIfNullOrEmpty(replacementSubject);
        StorageArguments.Events([new EventDraft(Guid.NewGuid(), tenant, "redacted", replacementSubject, default, replacementPayloadJson)], nameof(replacementPayloadJson));
        if (payloadNeedles.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("A payload needle is empty; it would match every event.", nameof(payloadNeedles));
        }

        var args = (tenant, subject, payloadNeedles, replacementSubject, replacementPayloadJson);
        return _store.ExecuteWriteAsync($"tombstoning the events of {tenant} about a subject", args, static (writer, a) =>
        {
            using var command = writer.Connection.CreateCommand();
            var where = new StringBuilder("tenant = $t AND (subject = $s");
            for (var i = 0; i < a.payloadNeedles.Count; i++)
            {
                where.Append(" OR instr(payload, $n").Append(i).Append(") > 0");
                command.Parameters.AddWithValue("$n" + i, a.payloadNeedles[i]);
            }

            command.CommandText = $"UPDATE event_log SET subject = CASE WHEN subject = $s THEN $rs ELSE subject END, payload = $p WHERE {where}) AND NOT (subject = $rs AND payload = $p);";
            command.Parameters.AddWithValue("$t", a.tenant);
            command.Parameters.AddWithValue("$s", a.subject);
            command.Parameters.AddWithValue("$rs", a.replacementSubject);
            command.Parameters.AddWithValue("$p", a.replacementPayloadJson);
            return (long)command.ExecuteNonQuery();
        }, cancellationToken);
    }

    private static IReadOnlyList<WriteResult> Apply(WriterConnection writer, (StateWrite Write, byte[] Payload)[] changes, string updatedAt)
    {
        var results = new WriteResult[changes.Length];
        for (var i = 0; i < changes.Length; i++)
        {
            var (write, payload) = changes[i];
            var grain = write.Grain;
            // One statement checks the ETag and writes: an insert where no row may exist, an update of the expected
            // ETag otherwise; no row changed means the stored ETag is another (read only then, for the error).
            var etag = Text.NewETag();
            var changed = write.ExpectedETag is null
                ? writer.InsertStateIfAbsent.Bind(0, write.StateName).Bind(1, grain.Type).Bind(2, grain.Key).Bind(3, etag).Bind(4, payload).Bind(5, updatedAt).Execute()
                : writer.UpdateStateIfMatch.Bind(0, write.StateName).Bind(1, grain.Type).Bind(2, grain.Key).Bind(3, etag).Bind(4, payload).Bind(5, updatedAt)
                    .Bind(6, write.ExpectedETag).Execute();
            if (changed != 1)
            {
                var stored = writer.SelectStateETag.Bind(0, write.StateName).Bind(1, grain.Type).Bind(2, grain.Key).Scalar() as string;
                throw new InconsistentStateException(write.StateName, grain, write.ExpectedETag, stored);
            }

            var sequences = write.Events.Count == 0 ? [] : EventRows.Append(writer, write.Events);
            results[i] = new WriteResult(etag, sequences);
        }

        return results;
    }

    private static void CheckCount(int count, string parameterName)
    {
        if (count > MaxBatch)
        {
            throw new ArgumentException($"{count} rows are more than the {MaxBatch} one call may read or write; split them.", parameterName);
        }
    }
}

using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using Npgsql;
using NpgsqlTypes;

namespace MailMesh.Engagement.PostgreSql;

public sealed partial class PostgreSqlHitStore
{
    /// <inheritdoc />
    /// <remarks>One statement: the hits and the hand-over row commit together. Repeated after a broken connection whose
    /// first attempt did commit, it opens a second hand-over over the same (then skipped) hits; both are handed over and
    /// the grains skip hit ids they already counted.</remarks>
    public Task<long> StoreForHandOverAsync(IReadOnlyList<HitRecord> hits, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hits);
        var ids = hits.Select(h => h.Id).ToArray();
        return RunAsync($"storing {hits.Count} tracking hits for hand-over", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"""
                WITH stored AS ({InsertHits})
                INSERT INTO {_handOvers} (at, hit_ids) VALUES (@now, @hand_over_ids) RETURNING id
                """, connection);
            BindHits(command, hits, HitState.Applied);
            command.Parameters.Add(new NpgsqlParameter<long>("now", now.ToUnixTimeMilliseconds()));
            // The hand-over lists every id of the batch as given; BindHits binds each id once.
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("hand_over_ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = ids });
            return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One statement. A silo redriving one of the parts at that moment (it was open longer than the redrive's
    /// cutoff) hands its hits over too; the grains skip hit ids they already counted.</remarks>
    public Task<long> MergeHandOversAsync(IReadOnlyList<long> handOvers, IReadOnlyList<HitRecord> hits, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handOvers);
        ArgumentNullException.ThrowIfNull(hits);
        ArgumentOutOfRangeException.ThrowIfZero(handOvers.Count);
        var parts = handOvers.ToArray();
        var ids = hits.Select(h => h.Id).ToArray();
        return RunAsync($"merging {parts.Length} tracking hand-overs", async (connection, ct) =>
        {
            // The merged hand-over is as old as its oldest part, so a redrive's cutoff sees it as the parts would have been.
            await using var command = new NpgsqlCommand($"""
                WITH parts AS (DELETE FROM {_handOvers} WHERE id = ANY(@parts) RETURNING at)
                INSERT INTO {_handOvers} (at, hit_ids) SELECT coalesce(min(at), @now), @hand_over_ids FROM parts RETURNING id
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<long[]>("parts", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = parts });
            command.Parameters.Add(new NpgsqlParameter<long>("now", now.ToUnixTimeMilliseconds()));
            command.Parameters.Add(new NpgsqlParameter<Guid[]>("hand_over_ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { TypedValue = ids });
            return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One statement: the marks, the contact statuses and the removal of the hand-over commit together.</remarks>
    public Task CloseHandOverAsync(
        long handOver, IReadOnlyList<(Guid Id, HitState State, bool Machine, string? Reason)> changes,
        IReadOnlyList<(string Tenant, string Contact, EngagementSummary Summary)> contacts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(contacts);
        return RunAsync($"closing tracking hand-over {handOver}", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"""
                WITH marked AS ({MarkHits}), statuses AS ({UpsertContacts})
                DELETE FROM {_handOvers} WHERE id = @hand_over
                """, connection);
            BindMarks(command, changes);
            BindContacts(command, contacts);
            command.Parameters.Add(new NpgsqlParameter<long>("hand_over", handOver));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>In a cluster this finds the hand-overs every silo left open, so a silo that stopped for good leaves none
    /// behind. Two silos may redrive one hand-over at once: the grains skip hit ids they already counted, and closing it
    /// twice changes nothing more.</remarks>
    public Task<IReadOnlyList<OpenHandOver>> OpenHandOversAsync(DateTimeOffset openedBy, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        return RunAsync<IReadOnlyList<OpenHandOver>>("reading the open tracking hand-overs", async (connection, ct) =>
        {
            // A hand-over whose hits are all gone still comes back (with none), so that it is closed.
            await using var command = new NpgsqlCommand($"""
                SELECT o.id, {string.Join(", ", HitColumns.Split(", ").Select(c => "h." + c))}
                FROM (SELECT id, hit_ids FROM {_handOvers} WHERE at <= @at ORDER BY id LIMIT @max) o
                LEFT JOIN LATERAL (
                    SELECT x.*, u.n FROM unnest(o.hit_ids) WITH ORDINALITY AS u (hit, n) JOIN {_hits} x ON x.id = u.hit) h ON true
                ORDER BY o.id, h.n
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<long>("at", openedBy.ToUnixTimeMilliseconds()));
            command.Parameters.Add(new NpgsqlParameter<int>("max", max));
            var handOvers = new List<OpenHandOver>();
            List<HitRecord>? hits = null;
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var id = reader.GetInt64(0);
                if (handOvers.Count == 0 || handOvers[^1].Id != id)
                {
                    hits = [];
                    handOvers.Add(new OpenHandOver(id, hits));
                }

                if (!reader.IsDBNull(1))
                {
                    hits!.Add(ReadHit(reader, 1));
                }
            }

            return handOvers;
        }, cancellationToken);
    }
}

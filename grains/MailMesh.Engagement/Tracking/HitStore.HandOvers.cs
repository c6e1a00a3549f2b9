using MailMesh.Grains.Engagement;
using Microsoft.Data.Sqlite;

namespace MailMesh.Engagement.Tracking;

/// <summary>A stored batch whose opens and clicks are not yet known to be counted by their engagement grains.</summary>
/// <param name="Id">The hand-over.</param>
/// <param name="Hits">Its hits, as stored.</param>
public sealed record OpenHandOver(long Id, IReadOnlyList<HitRecord> Hits);

public sealed partial class HitStore
{
    private const int SchemaVersion = 2;

    private const string HandOverColumns = "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, hit_ids BLOB NOT NULL";

    /// <summary>Stores a batch for hand-over in one transaction: the hits, as <see cref="HitState.Applied"/> with the
    /// endpoint's classification, and an open hand-over listing their ids. Until <see cref="CloseHandOverAsync"/> closes
    /// it the hand-over, not the rows' state, says the hits may not be counted yet, so the common outcome (counted as
    /// classified) costs no second write per hit.</summary>
    /// <returns>The hand-over's id, never used again by this store.</returns>
    public async Task<long> StoreForHandOverAsync(IReadOnlyList<HitRecord> hits, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hits);
        var ids = HandOverIds(hits);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await InsertRowsAsync(connection, transaction, hits, HitState.Applied, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO tracking_handovers (at, hit_ids) VALUES ($at, $ids) RETURNING id";
        command.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$ids", ids);
        var id = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <inheritdoc />
    public async Task<long> MergeHandOversAsync(IReadOnlyList<long> handOvers, IReadOnlyList<HitRecord> hits, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handOvers);
        ArgumentNullException.ThrowIfNull(hits);
        ArgumentOutOfRangeException.ThrowIfZero(handOvers.Count);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var names = string.Join(", ", handOvers.Select((_, i) => "$h" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // The merged hand-over is as old as its oldest part, so a redrive's cutoff sees it as the parts would have been.
        command.CommandText = $"""
            INSERT INTO tracking_handovers (at, hit_ids)
            SELECT coalesce(min(at), $at), $ids FROM tracking_handovers WHERE id IN ({names}) RETURNING id;
            DELETE FROM tracking_handovers WHERE id IN ({names});
            """;
        command.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$ids", HandOverIds(hits));
        for (var i = 0; i < handOvers.Count; i++)
        {
            command.Parameters.AddWithValue("$h" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), handOvers[i]);
        }

        var id = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return id;
    }

    private static byte[] HandOverIds(IReadOnlyList<HitRecord> hits)
    {
        var ids = new byte[hits.Count * 16];
        for (var i = 0; i < hits.Count; i++)
        {
            hits[i].Id.TryWriteBytes(ids.AsSpan(i * 16, 16));
        }

        return ids;
    }

    /// <summary>Closes hand-over <paramref name="handOver"/> in one transaction with what differs from the stored rows
    /// (<paramref name="changes"/>: a contact that no longer exists, a burst that turned clicks into machine ones, a grain
    /// call that failed and leaves hits <see cref="HitState.Pending"/>) and the statuses of the contacts it reached.</summary>
    public async Task CloseHandOverAsync(
        long handOver, IReadOnlyList<(Guid Id, HitState State, bool Machine, string? Reason)> changes,
        IReadOnlyList<(string Tenant, string Contact, EngagementSummary Summary)> contacts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(contacts);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await MarkRowsAsync(connection, transaction, changes, cancellationToken).ConfigureAwait(false);
        await UpsertContactRowsAsync(connection, transaction, contacts, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM tracking_handovers WHERE id = $id";
        command.Parameters.AddWithValue("$id", handOver);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Up to <paramref name="max"/> hand-overs opened at or before <paramref name="openedBy"/> and not closed
    /// (a crash or a stop cut them short), oldest first, with their hits.</summary>
    public async Task<IReadOnlyList<OpenHandOver>> OpenHandOversAsync(DateTimeOffset openedBy, int max, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var open = new List<(long Id, byte[] Ids)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, hit_ids FROM tracking_handovers WHERE at <= $at ORDER BY id LIMIT $max";
            command.Parameters.AddWithValue("$at", openedBy.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$max", max);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                open.Add((reader.GetInt64(0), (byte[])reader[1]));
            }
        }

        var handOvers = new List<OpenHandOver>(open.Count);
        await using var select = connection.CreateCommand();
        select.CommandText = $"SELECT {HitColumns} FROM tracking_hits WHERE id = $id";
        var id = select.Parameters.Add("$id", SqliteType.Blob);
        foreach (var (handOver, ids) in open)
        {
            var hits = new List<HitRecord>(ids.Length / 16);
            for (var at = 0; at + 16 <= ids.Length; at += 16)
            {
                id.Value = ids[at..(at + 16)];
                await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    hits.Add(ReadHit(reader));
                }
            }

            handOvers.Add(new OpenHandOver(handOver, hits));
        }

        return handOvers;
    }

    /// <summary>Brings a store made by an older version up to <see cref="SchemaVersion"/> (<c>PRAGMA user_version</c>), in
    /// one transaction per step.</summary>
    private static async Task MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var read = connection.CreateCommand();
        read.CommandText = "PRAGMA user_version";
        var version = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        // 1: one index for counts and reports. tracking_hits_campaign (tenant, campaign, kind) is a prefix of the report
        // index, so every query it served the report index serves too, and each index costs a write per stored hit.
        if (version < 1)
        {
            await StepAsync(connection, $"""
                {ReportIndex};
                DROP INDEX IF EXISTS tracking_hits_campaign;
                PRAGMA user_version = 1;
                """, cancellationToken).ConfigureAwait(false);
        }

        // 2: hand-over ids are never used again (AUTOINCREMENT; a plain rowid takes the id of the last hand-over closed):
        // an engagement grain remembers the hand-overs it counted by id.
        if (version < 2)
        {
            await StepAsync(connection, $"""
                CREATE TABLE tracking_handovers_2 ({HandOverColumns});
                INSERT INTO tracking_handovers_2 (id, at, hit_ids) SELECT id, at, hit_ids FROM tracking_handovers;
                DROP TABLE tracking_handovers;
                ALTER TABLE tracking_handovers_2 RENAME TO tracking_handovers;
                PRAGMA user_version = 2;
                """, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task StepAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var step = connection.CreateCommand();
        step.Transaction = transaction;
        step.CommandText = sql;
        await step.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}

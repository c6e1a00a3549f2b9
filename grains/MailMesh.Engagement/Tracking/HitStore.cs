using MailMesh.Engagement.Internal;
using MailMesh.Grains.Engagement;
using Microsoft.Data.Sqlite;

namespace MailMesh.Engagement.Tracking;

/// <summary>Where a stored hit stands.</summary>
public enum HitState
{
    /// <summary>Stored, not yet handed to the contact's engagement grain.</summary>
    Pending = 0,

    /// <summary>Counted by the engagement grain (or needs no grain: unsubscribes and forms).</summary>
    Applied = 1,

    /// <summary>The contact no longer exists: kept for the campaign's raw counts only.</summary>
    UnknownContact = 2,
}

/// <summary>Counts of one kind of hit.</summary>
/// <param name="Raw">All hits.</param>
/// <param name="Human">Hits not made by a machine.</param>
/// <param name="UniqueContacts">Contacts with at least one hit.</param>
/// <param name="UniqueHumanContacts">Contacts with at least one human hit.</param>
public sealed record HitCounts(long Raw, long Human, long UniqueContacts, long UniqueHumanContacts);

/// <summary>The engagement event store of the embedded silo (<see cref="IHitStore"/>): every raw hit with its classification, in SQLite (<c>tracking_hits</c>), written
/// in batches by the tracking writer before the grains are called, so hits that reached it survive a crash and are
/// handed over again at start: a batch is stored with an open hand-over (<c>tracking_handovers</c>) that lists its ids
/// and is closed once the grains counted them; hits whose grain call failed are <see cref="HitState.Pending"/>.</summary>
public sealed partial class HitStore : IHitStore
{
    private readonly SqliteStoreFile _file;

    /// <summary>A store in the SQLite file <paramref name="path"/>.</summary>
    public HitStore(string path) => _file = new SqliteStoreFile(path);

    /// <summary>The database file.</summary>
    public string Path => _file.Path;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.CreateAsync($"""
            CREATE TABLE IF NOT EXISTS tracking_hits (
                id BLOB NOT NULL PRIMARY KEY,
                tenant TEXT NOT NULL,
                campaign TEXT NOT NULL,
                contact TEXT NOT NULL,
                kind INTEGER NOT NULL,
                link_index INTEGER NOT NULL,
                target TEXT NULL,
                at INTEGER NOT NULL,
                issued_at INTEGER NOT NULL,
                ip TEXT NULL,
                user_agent TEXT NULL,
                machine INTEGER NOT NULL,
                reason TEXT NULL,
                state INTEGER NOT NULL DEFAULT 0
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS tracking_hits_pending ON tracking_hits (at) WHERE state = 0;
            CREATE TABLE IF NOT EXISTS tracking_handovers ({HandOverColumns});
            CREATE TABLE IF NOT EXISTS engagement_contacts (
                tenant TEXT NOT NULL,
                contact TEXT NOT NULL,
                status TEXT NOT NULL,
                last_activity INTEGER NULL,
                first_seen INTEGER NOT NULL,
                PRIMARY KEY (tenant, contact)
            ) WITHOUT ROWID;
            """, cancellationToken).ConfigureAwait(false);
        await MigrateAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores hits in one transaction (ids already stored are skipped); opens and clicks are
    /// <see cref="HitState.Pending"/> until <see cref="MarkAsync"/> records what the grains made of them.</summary>
    public async Task InsertAsync(IReadOnlyList<HitRecord> hits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hits);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await InsertRowsAsync(connection, transaction, hits, HitState.Pending, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inserts hits; opens and clicks get <paramref name="handOverState"/>, other kinds (which need no grain)
    /// <see cref="HitState.Applied"/>.</summary>
    private static async Task InsertRowsAsync(
        SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<HitRecord> hits, HitState handOverState, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT OR IGNORE INTO tracking_hits (id, tenant, campaign, contact, kind, link_index, target, at, issued_at, ip, user_agent, machine, reason, state)
            VALUES ($id, $t, $c, $a, $k, $l, $g, $at, $is, $ip, $ua, $m, $r, $s)
            """;
        var p = command.Parameters;
        foreach (var name in (string[])["$id", "$t", "$c", "$a", "$k", "$l", "$g", "$at", "$is", "$ip", "$ua", "$m", "$r", "$s"])
        {
            p.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        foreach (var h in hits)
        {
            p[0].Value = h.Id.ToByteArray();
            p[1].Value = h.Tenant;
            p[2].Value = h.CampaignId;
            p[3].Value = h.Contact;
            p[4].Value = (int)h.Kind;
            p[5].Value = h.LinkIndex;
            p[6].Value = (object?)h.Target ?? DBNull.Value;
            p[7].Value = h.At.ToUnixTimeMilliseconds();
            p[8].Value = h.IssuedAt.ToUnixTimeSeconds();
            p[9].Value = (object?)h.Ip ?? DBNull.Value;
            p[10].Value = (object?)h.UserAgent ?? DBNull.Value;
            p[11].Value = h.Machine ? 1 : 0;
            p[12].Value = (object?)h.Reason ?? DBNull.Value;
            p[13].Value = h.Kind is HitKind.Open or HitKind.Click ? (int)handOverState : (int)HitState.Applied;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records what the grains made of hits: their final classification and state, in one transaction.</summary>
    public async Task MarkAsync(IReadOnlyList<(Guid Id, HitState State, bool Machine, string? Reason)> marks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(marks);
        if (marks.Count == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await MarkRowsAsync(connection, transaction, marks, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task MarkRowsAsync(
        SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<(Guid Id, HitState State, bool Machine, string? Reason)> marks,
        CancellationToken cancellationToken)
    {
        if (marks.Count == 0)
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "UPDATE tracking_hits SET state = $s, machine = $m, reason = $r WHERE id = $id";
        var s = command.Parameters.Add("$s", SqliteType.Integer);
        var m = command.Parameters.Add("$m", SqliteType.Integer);
        var r = command.Parameters.Add("$r", SqliteType.Text);
        var id = command.Parameters.Add("$id", SqliteType.Blob);
        command.Prepare();
        foreach (var mark in marks)
        {
            s.Value = (int)mark.State;
            m.Value = mark.Machine ? 1 : 0;
            r.Value = (object?)mark.Reason ?? DBNull.Value;
            id.Value = mark.Id.ToByteArray();
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Up to <paramref name="max"/> hits still <see cref="HitState.Pending"/>, oldest first.</summary>
    public async Task<IReadOnlyList<HitRecord>> PendingAsync(int max, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {HitColumns}
            FROM tracking_hits WHERE state = 0 ORDER BY at LIMIT $max
            """;
        command.Parameters.AddWithValue("$max", max);
        var hits = new List<HitRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            hits.Add(ReadHit(reader));
        }

        return hits;
    }

    private const string HitColumns = "id, kind, tenant, campaign, contact, link_index, target, at, issued_at, ip, user_agent, machine, reason";

    private static HitRecord ReadHit(SqliteDataReader reader) => new(
        new Guid((byte[])reader[0]), (HitKind)reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt32(5),
        reader.IsDBNull(6) ? null : reader.GetString(6), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
        DateTimeOffset.FromUnixTimeSeconds(reader.GetInt64(8)), reader.IsDBNull(9) ? null : reader.GetString(9),
        reader.IsDBNull(10) ? null : reader.GetString(10), reader.GetInt32(11) != 0, reader.IsDBNull(12) ? null : reader.GetString(12));

    /// <summary>Counts of <paramref name="kind"/> hits of a campaign (or all of the tenant's when null).</summary>
    public async Task<HitCounts> CountAsync(string tenant, string? campaign, HitKind kind, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT count(*), coalesce(sum(1 - machine), 0), count(DISTINCT contact), count(DISTINCT CASE WHEN machine = 0 THEN contact END)
            FROM tracking_hits WHERE tenant = $t AND ($c IS NULL OR campaign = $c) AND kind = $k
            """;
        command.Parameters.AddWithValue("$t", tenant);
        command.Parameters.AddWithValue("$c", (object?)campaign ?? DBNull.Value);
        command.Parameters.AddWithValue("$k", (int)kind);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new HitCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => _file.OpenAsync(cancellationToken);
}

using MailMesh.Campaigns.SendLog;
using MailMesh.Engagement.Internal;
using MailMesh.Runtime.Storage;
using Microsoft.Data.Sqlite;

namespace MailMesh.Engagement.Reports;

/// <summary>Bounce and complaint counts of a report (recipients, each counted once per campaign).</summary>
/// <param name="HardBounced">Recipients with a hard bounce.</param>
/// <param name="SoftBounced">Recipients with soft bounces only.</param>
/// <param name="Complained">Recipients who complained.</param>
public sealed record NoticeReportCounts(long HardBounced, long SoftBounced, long Complained)
{
    /// <summary>Recipients that bounced, hard or soft.</summary>
    public long Bounced => HardBounced + SoftBounced;
}

/// <summary>The bounce and complaint notices of campaigns in SQLite (<c>reports.db</c>), the embedded silo's
/// <see cref="IReportNoticeStore"/>: a projection of the notice events (the bounce ledgers keep their notices per contact,
/// not per campaign), brought up to date before each report. Each event is stored once, by its id.</summary>
public sealed class ReportNoticeStore : IReportNoticeStore
{
    private readonly SqliteStoreFile _file;
    private readonly ReportNoticeFeed _feed;
    private readonly SemaphoreSlim _catchUp = new(1, 1);

    /// <summary>A store in the SQLite file <paramref name="path"/> following <paramref name="events"/>.</summary>
    public ReportNoticeStore(string path, IEventLog events, int batchSize = 1000)
    {
        _file = new SqliteStoreFile(path);
        _feed = new ReportNoticeFeed(events, batchSize);
    }

    /// <summary>The database file.</summary>
    public string Path => _file.Path;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.CreateAsync("""
            CREATE TABLE IF NOT EXISTS report_notices (
                event_id BLOB NOT NULL PRIMARY KEY,
                tenant TEXT NOT NULL,
                campaign TEXT NOT NULL,
                contact TEXT NOT NULL,
                kind INTEGER NOT NULL,
                reason TEXT NULL,
                at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS report_notices_campaign ON report_notices (tenant, campaign, kind, contact, at);
            CREATE TABLE IF NOT EXISTS report_cursors (name TEXT NOT NULL PRIMARY KEY, sequence INTEGER NOT NULL) WITHOUT ROWID;
            """, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<int> CatchUpAsync(CancellationToken cancellationToken = default)
    {
        await _catchUp.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await _feed.CatchUpAsync(GetCursorAsync, StoreAsync, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _catchUp.Release();
        }
    }

    /// <summary>Bounced and complaining recipients of <paramref name="campaign"/> (all the tenant's campaigns when null,
    /// each recipient counted once per campaign), restricted to the members in <paramref name="membersDatabase"/> when given.</summary>
    public async Task<NoticeReportCounts> ReportCountsAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var members = await ReportMembers.AttachAsync(connection, membersDatabase, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // Per campaign and recipient: hard when any notice was hard; soft when there were only soft ones.
        command.CommandText = $"""
            SELECT coalesce(sum(hard), 0), coalesce(sum(soft AND NOT hard), 0), coalesce(sum(complaint), 0) FROM (
                SELECT max(n.kind = 1) AS hard, max(n.kind = 2) AS soft, max(n.kind = 3) AS complaint
                FROM report_notices n {Scope(membersDatabase, campaign)} GROUP BY n.campaign, n.contact)
            """;
        Bind(command, tenant, campaign);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new NoticeReportCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>Bounce and complaint notices per UTC hour (hours since the Unix epoch), in hour order.</summary>
    public async Task<IReadOnlyList<(long Hour, long Bounces, long Complaints)>> ReportHoursAsync(
        string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var members = await ReportMembers.AttachAsync(connection, membersDatabase, cancellationToken).ConfigureAwait(false);
        var hours = new List<(long, long, long)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                SELECT n.at / 3600000 AS hour, sum(n.kind IN (1, 2)), sum(n.kind = 3)
                FROM report_notices n {Scope(membersDatabase, campaign)} GROUP BY hour ORDER BY hour
                """;
            Bind(command, tenant, campaign);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                hours.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        return hours;
    }

    private async Task<int> StoreAsync(IReadOnlyList<ReportNotice> notices, string cursorName, long through, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var stored = 0;
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT OR IGNORE INTO report_notices (event_id, tenant, campaign, contact, kind, reason, at)
                VALUES ($id, $t, $c, $a, $k, $r, $at)
                """;
            var id = insert.Parameters.Add("$id", SqliteType.Blob);
            var tenant = insert.Parameters.Add("$t", SqliteType.Text);
            var campaign = insert.Parameters.Add("$c", SqliteType.Text);
            var contact = insert.Parameters.Add("$a", SqliteType.Text);
            var kind = insert.Parameters.Add("$k", SqliteType.Integer);
            var reason = insert.Parameters.Add("$r", SqliteType.Text);
            var at = insert.Parameters.Add("$at", SqliteType.Integer);
            foreach (var notice in notices)
            {
                id.Value = notice.EventId.ToByteArray();
                tenant.Value = notice.Tenant;
                campaign.Value = notice.Campaign;
                contact.Value = notice.Contact;
                kind.Value = notice.Kind;
                reason.Value = (object?)notice.Reason ?? DBNull.Value;
                at.Value = notice.At.ToUnixTimeMilliseconds();
                stored += await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await using (var cursor = connection.CreateCommand())
        {
            cursor.Transaction = transaction;
            cursor.CommandText = "INSERT INTO report_cursors (name, sequence) VALUES ($n, $s) ON CONFLICT (name) DO UPDATE SET sequence = excluded.sequence";
            cursor.Parameters.AddWithValue("$n", cursorName);
            cursor.Parameters.AddWithValue("$s", through);
            await cursor.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return stored;
    }

    private async Task<long> GetCursorAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence FROM report_cursors WHERE name = $n";
        command.Parameters.AddWithValue("$n", name);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long sequence ? sequence : 0;
    }

    private static string Scope(string? membersDatabase, string? campaign) =>
        $"{ReportMembers.Join(membersDatabase, "n")} WHERE n.tenant = $t {(campaign is null ? "AND n.campaign <> ''" : "AND n.campaign = $c")}";

    private static void Bind(SqliteCommand command, string tenant, string? campaign)
    {
        command.Parameters.AddWithValue("$t", tenant);
        if (campaign is not null)
        {
            command.Parameters.AddWithValue("$c", campaign);
        }
    }

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => _file.OpenAsync(cancellationToken);
}

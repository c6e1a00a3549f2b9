using Microsoft.Data.Sqlite;

namespace MailMesh.Campaigns.SendLog;

/// <summary>The send log's counts for a report: records by status, and how many were ever deferred.</summary>
/// <param name="Queued">Queued.</param>
/// <param name="Sending">Sending (claimed, outcome unknown).</param>
/// <param name="Sent">Accepted by the relay.</param>
/// <param name="Deferred">Deferred now.</param>
/// <param name="Failed">Failed.</param>
/// <param name="Suppressed">Suppressed at send time.</param>
/// <param name="Cancelled">Cancelled.</param>
/// <param name="DeferredOnce">Deferred at least once (any status now).</param>
public sealed record SendLogReportCounts(long Queued, long Sending, long Sent, long Deferred, long Failed, long Suppressed, long Cancelled, long DeferredOnce)
{
    /// <summary>Every record in scope.</summary>
    public long Recipients => Queued + Sending + Sent + Deferred + Failed + Suppressed + Cancelled;
}

/// <summary>Report queries of a send log: aggregates only (no record leaves the database), over one campaign or all of a
/// tenant's, optionally restricted to the contacts of a members database (<see cref="ReportMembers"/>).</summary>
public interface ISendLogReports
{
    /// <summary>Creates the index the report queries read (idempotent; a one-time build on a large log).</summary>
    Task PrepareReportsAsync(CancellationToken cancellationToken = default);

    /// <summary>The counts of <paramref name="campaign"/> (all the tenant's campaigns when null), restricted to the members
    /// in <paramref name="membersDatabase"/> when given.</summary>
    Task<SendLogReportCounts> ReportCountsAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default);

    /// <summary>Records accepted by the relay per UTC hour (hours since the Unix epoch), in hour order.</summary>
    Task<IReadOnlyList<(long Hour, long Sent)>> ReportSentPerHourAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default);
}

public sealed partial class SqliteSendLog : ISendLogReports
{
    // The report index holds only records that have an outcome or were ever deferred: a record enters it once, when the
    // relay answers it (or when it is suppressed or cancelled), where an index of every record moved its entry at planning,
    // at the claim and at the outcome. Queued records are counted from the due index, and records being sent are what is
    // left of the campaign's count in the key index (docs/adr/campaigns-24-report-index-of-outcomes.md). Queries name the
    // index's condition for SQLite to use it.
    private const string ReportIndexCondition = "(s.status >= 2 OR s.first_deferred_at IS NOT NULL)";

    /// <inheritdoc />
    public async Task PrepareReportsAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // Covers the report queries: counts by status, the ever-deferred count and the hourly series read the index alone,
        // the contact included for the segment join. Files written before it have send_records_report, an index of every
        // record, which this drops once.
        command.CommandText = """
            DROP INDEX IF EXISTS send_records_report;
            CREATE INDEX IF NOT EXISTS send_records_outcomes ON send_records (tenant, campaign, status, updated_at, first_deferred_at, contact)
                WHERE status >= 2 OR first_deferred_at IS NOT NULL;
            """;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<SendLogReportCounts> ReportCountsAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var members = await ReportMembers.AttachAsync(connection, membersDatabase, cancellationToken).ConfigureAwait(false);
        var (counts, deferredOnce) = await CountByStatusAsync(connection, tenant, campaign, membersDatabase, cancellationToken).ConfigureAwait(false);
        return new SendLogReportCounts(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], deferredOnce);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<(long Hour, long Sent)>> ReportSentPerHourAsync(
        string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var members = await ReportMembers.AttachAsync(connection, membersDatabase, cancellationToken).ConfigureAwait(false);
        var hours = new List<(long, long)>();
        await using (var command = connection.CreateCommand())
        {
            // A sent record is final, so its last change is when the relay accepted it.
            command.CommandText = $"""
                SELECT s.updated_at / 3600000 AS hour, count(*) FROM send_records s {ReportMembers.Join(membersDatabase, "s")}
                WHERE {Scope(campaign)} AND s.status = 2 AND {ReportIndexCondition} GROUP BY hour ORDER BY hour
                """;
            BindReportScope(command, tenant, campaign);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                hours.Add((reader.GetInt64(0), reader.GetInt64(1)));
            }
        }

        return hours;
    }

    /// <summary>Records by status (indexed by <see cref="MailMesh.Grains.Campaigns.SendStatus"/>) and the ever-deferred count, in one read transaction
    /// of three index passes: the report index for records with an outcome or a deferral, the due index for queued records,
    /// the key index for all of them (records being sent are the rest). Without the report index (a log whose reports were
    /// never prepared) the first pass reads the table.</summary>
    private static async Task<(long[] Counts, long DeferredOnce)> CountByStatusAsync(
        SqliteConnection connection, string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken)
    {
        var join = ReportMembers.Join(membersDatabase, "s");
        var counts = new long[7];
        long deferredOnce = 0, all = 0;
        await using var transaction = connection.BeginTransaction(deferred: true);
        foreach (var sql in new[]
        {
            $"SELECT s.status, count(*), count(s.first_deferred_at) FROM send_records s {join} WHERE {Scope(campaign)} AND {ReportIndexCondition} GROUP BY s.status",
            // Named: with a members join SQLite would rather walk the key index, which has the contact but not the status.
            $"SELECT s.status, count(*), 0 FROM send_records s INDEXED BY send_records_due {join} WHERE {Scope(campaign)} AND s.status = 0 AND s.status IN (0, 3) GROUP BY s.status",
            $"SELECT -1, count(*), 0 FROM send_records s {join} WHERE {Scope(campaign)}",
        })
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            BindReportScope(command, tenant, campaign);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var status = reader.GetInt32(0);
                if (status == -1)
                {
                    all = reader.GetInt64(1);
                }
                else if (status == 0)
                {
                    // Queued records that were deferred before are in both passes; the due index has them all.
                    counts[0] = reader.GetInt64(1);
                }
                else if (status is >= 1 and < 7)
                {
                    counts[status] = reader.GetInt64(1);
                }

                deferredOnce += reader.GetInt64(2);
            }
        }

        // The report pass counted only the records being sent that were once deferred; every other one is in no pass but
        // the last.
        counts[1] = all - counts.Sum() + counts[1];
        return (counts, deferredOnce);
    }

    private static string Scope(string? campaign) => campaign is null ? "s.tenant = $t" : "s.tenant = $t AND s.campaign = $c";

    private static void BindReportScope(SqliteCommand command, string tenant, string? campaign)
    {
        command.Parameters.AddWithValue("$t", tenant);
        if (campaign is not null)
        {
            command.Parameters.AddWithValue("$c", campaign);
        }
    }
}

/// <summary>A members database: a SQLite file with one table <c>members(contact)</c> holding the normalized addresses a
/// report is restricted to (a segment's members, written once per report). Report queries attach it to their own
/// connection and join on it, so a million members never sit in memory.</summary>
public static class ReportMembers
{
    /// <summary>The schema of a members database.</summary>
    public const string Schema = "CREATE TABLE IF NOT EXISTS members (contact TEXT NOT NULL PRIMARY KEY) WITHOUT ROWID";

    private const string Alias = "report_members";

    /// <summary>The JOIN restricting <paramref name="table"/> (alias of a table with a <c>contact</c> column) to the members,
    /// or nothing when there is no members database.</summary>
    public static string Join(string? membersDatabase, string table) =>
        membersDatabase is null ? "" : $"JOIN {Alias}.members m ON m.contact = {table}.contact";

    /// <summary>Throws <see cref="FileNotFoundException"/> naming <paramref name="membersDatabase"/> when it does not exist.</summary>
    public static void RequireExists(string membersDatabase)
    {
        if (!File.Exists(membersDatabase))
        {
            throw new FileNotFoundException($"the report's members database '{membersDatabase}' does not exist", membersDatabase);
        }
    }

    /// <summary>Attaches <paramref name="membersDatabase"/> to <paramref name="connection"/> until the result is
    /// disposed; does nothing when it is null.</summary>
    public static async Task<IAsyncDisposable> AttachAsync(SqliteConnection connection, string? membersDatabase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (membersDatabase is null)
        {
            return Attachment.None;
        }

        RequireExists(membersDatabase);
        await using var command = connection.CreateCommand();
        command.CommandText = $"ATTACH DATABASE $p AS {Alias}";
        command.Parameters.AddWithValue("$p", membersDatabase);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return new Attachment(connection);
    }

    private sealed class Attachment(SqliteConnection? connection) : IAsyncDisposable
    {
        public static readonly Attachment None = new(null);

        public async ValueTask DisposeAsync()
        {
            if (connection is null)
            {
                return;
            }

            // The connection goes back to the pool: it must not keep the file attached.
            await using var command = connection.CreateCommand();
            command.CommandText = $"DETACH DATABASE {Alias}";
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }
}

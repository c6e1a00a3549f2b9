using MailMesh.Campaigns.SendLog;
using Npgsql;

namespace MailMesh.Campaigns.PostgreSql;

/// <summary>The report queries over the PostgreSQL send log: the same aggregates as <see cref="SqliteSendLog"/>. A members
/// database (<see cref="ReportMembers"/>, a SQLite file the report service writes on this silo) cannot be attached to
/// PostgreSQL, so its contacts are streamed with binary COPY into a temporary table of the query's own connection (dropped
/// at commit) and joined there; the members never sit in memory.</summary>
public sealed partial class PostgreSqlSendLog : ISendLogReports
{
    /// <inheritdoc />
    public async Task PrepareReportsAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await RunAsync("creating the send log's report index", repeatable: true, async (connection, ct) =>
        {
            // Covers the report queries (counts by status, the ever-deferred count, the hourly series); the contact of the
            // primary key comes with each entry for the members join.
            await using var command = new NpgsqlCommand(
                $"CREATE INDEX IF NOT EXISTS send_records_report ON {_records} (tenant, campaign, status, updated_at, first_deferred_at)", connection);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<SendLogReportCounts> ReportCountsAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        return ReportAsync($"counting the send records of {Scope(tenant, campaign)}", membersDatabase, async (connection, ct) =>
        {
            var counts = new long[7];
            long deferredOnce = 0;
            await using var command = new NpgsqlCommand($"""
                SELECT s.status, count(*), count(s.first_deferred_at) FROM {_records} s {MembersJoin(membersDatabase)}
                WHERE s.tenant = @t {(campaign is null ? "" : "AND s.campaign = @c")} GROUP BY s.status
                """, connection);
            BindReportScope(command, tenant, campaign);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                var status = reader.GetInt16(0);
                if (status is >= 0 and < 7)
                {
                    counts[status] = reader.GetInt64(1);
                }

                deferredOnce += reader.GetInt64(2);
            }

            return new SendLogReportCounts(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], deferredOnce);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<(long Hour, long Sent)>> ReportSentPerHourAsync(
        string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        return ReportAsync<IReadOnlyList<(long, long)>>($"counting the sent records per hour of {Scope(tenant, campaign)}", membersDatabase, async (connection, ct) =>
        {
            // A sent record is final, so its last change is when the relay accepted it.
            await using var command = new NpgsqlCommand($"""
                SELECT s.updated_at / 3600000 AS hour, count(*) FROM {_records} s {MembersJoin(membersDatabase)}
                WHERE s.tenant = @t {(campaign is null ? "" : "AND s.campaign = @c")} AND s.status = 2 GROUP BY hour ORDER BY hour
                """, connection);
            BindReportScope(command, tenant, campaign);
            var hours = new List<(long, long)>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                hours.Add((reader.GetInt64(0), reader.GetInt64(1)));
            }

            return hours;
        }, cancellationToken);
    }

    private static string Scope(string tenant, string? campaign) =>
        campaign is null ? $"tenant '{tenant}'" : $"campaign '{campaign}' of tenant '{tenant}'";

    private static string MembersJoin(string? membersDatabase) => PostgreSqlReportMembers.Join(membersDatabase, "s");

    private static void BindReportScope(NpgsqlCommand command, string tenant, string? campaign)
    {
        command.Parameters.Add(new NpgsqlParameter<string>("t", tenant));
        if (campaign is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string>("c", campaign));
        }
    }

    /// <summary>Runs a report query in one transaction, with the members (when given) loaded into a temporary table
    /// that the commit drops, so the pooled connection goes back clean (<see cref="PostgreSqlReportMembers"/>).</summary>
    private Task<T> ReportAsync<T>(string operation, string? membersDatabase, Func<NpgsqlConnection, CancellationToken, Task<T>> query, CancellationToken cancellationToken)
    {
        if (membersDatabase is not null)
        {
            ReportMembers.RequireExists(membersDatabase);
        }

        return RunAsync(operation, repeatable: true, (connection, ct) => PostgreSqlReportMembers.QueryAsync(connection, membersDatabase, query, ct), cancellationToken);
    }
}

using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Engagement;
using Microsoft.Data.Sqlite;

namespace MailMesh.Engagement.Tracking;

/// <summary>The hit store's counts for a report.</summary>
/// <param name="Opens">Opens.</param>
/// <param name="Clicks">Clicks.</param>
/// <param name="Unsubscribes">Recipients who unsubscribed through a campaign link.</param>
/// <param name="HumanEngaged">Recipients with a human open or click.</param>
public sealed record HitReportCounts(ReportHits Opens, ReportHits Clicks, long Unsubscribes, long HumanEngaged);

/// <summary>One hour of hits for a report.</summary>
/// <param name="Hour">Hours since the Unix epoch (UTC).</param>
/// <param name="Opens">Opens.</param>
/// <param name="HumanOpens">Human opens.</param>
/// <param name="Clicks">Clicks.</param>
/// <param name="HumanClicks">Human clicks.</param>
/// <param name="Unsubscribes">Unsubscribe hits.</param>
public sealed record HitReportHour(long Hour, long Opens, long HumanOpens, long Clicks, long HumanClicks, long Unsubscribes);

public sealed partial class HitStore
{
    // Covers every report query: counts and uniques by kind, per-link counts in link order, the hourly series; the contact
    // column serves the join with a segment's members. Also the only index by campaign (CountAsync reads it too).
    private const string ReportIndex = "CREATE INDEX IF NOT EXISTS tracking_hits_report ON tracking_hits (tenant, campaign, kind, link_index, contact, machine, at)";

    /// <summary>Creates the index the report queries read (idempotent; a one-time build on a store made by a version
    /// before the schema migration that made it part of every store).</summary>
    public async Task PrepareReportsAsync(CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = ReportIndex;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens, clicks, unsubscribes and human-engaged recipients of <paramref name="campaign"/> (all the tenant's
    /// campaigns when null: uniques are then per campaign and recipient, summed), restricted to the members in
    /// <paramref name="membersDatabase"/> when given.</summary>
    public async Task<HitReportCounts> ReportCountsAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var members = await ReportMembers.AttachAsync(connection, membersDatabase, cancellationToken).ConfigureAwait(false);
        var scope = ReportScope(membersDatabase, campaign);
        var byKind = new Dictionary<int, ReportHits>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                SELECT kind, sum(raw), sum(human), sum(u), sum(uh) FROM (
                    SELECT h.kind AS kind, count(*) AS raw, sum(1 - h.machine) AS human, count(DISTINCT h.contact) AS u,
                           count(DISTINCT CASE WHEN h.machine = 0 THEN h.contact END) AS uh
                    FROM tracking_hits h {scope} AND h.kind IN (1, 2, 3) GROUP BY h.kind, h.campaign)
                GROUP BY kind
                """;
            BindReportScope(command, tenant, campaign);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                byKind[reader.GetInt32(0)] = new ReportHits(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
            }
        }

        long engaged;
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                SELECT coalesce(sum(n), 0) FROM (
                    SELECT count(DISTINCT h.contact) AS n FROM tracking_hits h {scope} AND h.kind IN (1, 2) AND h.machine = 0 GROUP BY h.campaign)
                """;
            BindReportScope(command, tenant, campaign);
            engaged = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var none = new ReportHits(0, 0, 0, 0);
        return new HitReportCounts(
            byKind.GetValueOrDefault((int)HitKind.Open, none), byKind.GetValueOrDefault((int)HitKind.Click, none),
            byKind.GetValueOrDefault((int)HitKind.Unsubscribe, none).Unique, engaged);
    }

    /// <summary>Clicks per tracked link of one campaign, by link index, restricted to the members in
    /// <paramref name="membersDatabase"/> when given.</summary>
    public async Task<IReadOnlyList<ReportLink>> ReportLinksAsync(string tenant, string campaign, string? membersDatabase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(campaign);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var members = await ReportMembers.AttachAsync(connection, membersDatabase, cancellationToken).ConfigureAwait(false);
        var links = new List<ReportLink>();
        await using (var command = connection.CreateCommand())
        {
            // The target is the same for every click on one link of one campaign: read it once per link, by the index.
            command.CommandText = $"""
                SELECT g.link_index,
                       (SELECT x.target FROM tracking_hits x WHERE x.tenant = $t AND x.campaign = $c AND x.kind = 2 AND x.link_index = g.link_index LIMIT 1),
                       g.raw, g.human, g.u, g.uh
                FROM (SELECT h.link_index AS link_index, count(*) AS raw, sum(1 - h.machine) AS human, count(DISTINCT h.contact) AS u,
                             count(DISTINCT CASE WHEN h.machine = 0 THEN h.contact END) AS uh
                      FROM tracking_hits h {ReportScope(membersDatabase, campaign)} AND h.kind = 2 GROUP BY h.link_index) g
                ORDER BY g.link_index
                """;
            BindReportScope(command, tenant, campaign);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                links.Add(new ReportLink(
                    reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                    new ReportHits(reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5))));
            }
        }

        return links;
    }

    /// <summary>Opens, clicks and unsubscribes per UTC hour, in hour order (hours with none left out).</summary>
    public async Task<IReadOnlyList<HitReportHour>> ReportHoursAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var members = await ReportMembers.AttachAsync(connection, membersDatabase, cancellationToken).ConfigureAwait(false);
        var hours = new List<HitReportHour>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                SELECT h.at / 3600000 AS hour,
                       sum(h.kind = 1), sum(h.kind = 1 AND h.machine = 0), sum(h.kind = 2), sum(h.kind = 2 AND h.machine = 0), sum(h.kind = 3)
                FROM tracking_hits h {ReportScope(membersDatabase, campaign)} AND h.kind IN (1, 2, 3) GROUP BY hour ORDER BY hour
                """;
            BindReportScope(command, tenant, campaign);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                hours.Add(new HitReportHour(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
            }
        }

        return hours;
    }

    private static string ReportScope(string? membersDatabase, string? campaign) =>
        $"{ReportMembers.Join(membersDatabase, "h")} WHERE h.tenant = $t {(campaign is null ? "" : "AND h.campaign = $c")}";

    private static void BindReportScope(SqliteCommand command, string tenant, string? campaign)
    {
        command.Parameters.AddWithValue("$t", tenant);
        if (campaign is not null)
        {
            command.Parameters.AddWithValue("$c", campaign);
        }
    }
}

using MailMesh.Campaigns.PostgreSql;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using Npgsql;

namespace MailMesh.Engagement.PostgreSql;

public sealed partial class PostgreSqlHitStore
{
    /// <inheritdoc />
    /// <remarks>The report index is part of the first schema step, so this only makes sure the tables exist.</remarks>
    public Task PrepareReportsAsync(CancellationToken cancellationToken = default) => InitializeAsync(cancellationToken);

    /// <inheritdoc />
    public Task<HitReportCounts> ReportCountsAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        return ReportAsync($"counting the hits of {Scope(tenant, campaign)}", membersDatabase, async (connection, ct) =>
        {
            var scope = ReportScope(membersDatabase, campaign);
            var byKind = new Dictionary<int, ReportHits>();
            await using (var command = new NpgsqlCommand($"""
                SELECT kind, sum(raw)::bigint, sum(human)::bigint, sum(u)::bigint, sum(uh)::bigint FROM (
                    SELECT h.kind AS kind, count(*) AS raw, count(*) FILTER (WHERE NOT h.machine) AS human, count(DISTINCT h.contact) AS u,
                           count(DISTINCT h.contact) FILTER (WHERE NOT h.machine) AS uh
                    FROM {_hits} h {scope} AND h.kind IN (1, 2, 3) GROUP BY h.kind, h.campaign) g
                GROUP BY kind
                """, connection))
            {
                BindScope(command, tenant, campaign);
                await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
                while (await reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    byKind[reader.GetInt16(0)] = new ReportHits(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
                }
            }

            long engaged;
            await using (var command = new NpgsqlCommand($"""
                SELECT coalesce(sum(n), 0)::bigint FROM (
                    SELECT count(DISTINCT h.contact) AS n FROM {_hits} h {scope} AND h.kind IN (1, 2) AND NOT h.machine GROUP BY h.campaign) g
                """, connection))
            {
                BindScope(command, tenant, campaign);
                engaged = (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
            }

            var none = new ReportHits(0, 0, 0, 0);
            return new HitReportCounts(
                byKind.GetValueOrDefault((int)HitKind.Open, none), byKind.GetValueOrDefault((int)HitKind.Click, none),
                byKind.GetValueOrDefault((int)HitKind.Unsubscribe, none).Unique, engaged);
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ReportLink>> ReportLinksAsync(string tenant, string campaign, string? membersDatabase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(campaign);
        return ReportAsync<IReadOnlyList<ReportLink>>($"counting the clicks per link of {Scope(tenant, campaign)}", membersDatabase, async (connection, ct) =>
        {
            // The target is the same for every click on one link of one campaign: read it once per link, by the index.
            await using var command = new NpgsqlCommand($"""
                SELECT g.link_index,
                       (SELECT x.target FROM {_hits} x WHERE x.tenant = @t AND x.campaign = @c AND x.kind = 2 AND x.link_index = g.link_index LIMIT 1),
                       g.raw, g.human, g.u, g.uh
                FROM (SELECT h.link_index AS link_index, count(*) AS raw, count(*) FILTER (WHERE NOT h.machine) AS human,
                             count(DISTINCT h.contact) AS u, count(DISTINCT h.contact) FILTER (WHERE NOT h.machine) AS uh
                      FROM {_hits} h {ReportScope(membersDatabase, campaign)} AND h.kind = 2 GROUP BY h.link_index) g
                ORDER BY g.link_index
                """, connection);
            BindScope(command, tenant, campaign);
            var links = new List<ReportLink>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                links.Add(new ReportLink(
                    reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                    new ReportHits(reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5))));
            }

            return links;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<HitReportHour>> ReportHoursAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        return ReportAsync<IReadOnlyList<HitReportHour>>($"counting the hits per hour of {Scope(tenant, campaign)}", membersDatabase, async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"""
                SELECT h.at / 3600000 AS hour,
                       count(*) FILTER (WHERE h.kind = 1), count(*) FILTER (WHERE h.kind = 1 AND NOT h.machine),
                       count(*) FILTER (WHERE h.kind = 2), count(*) FILTER (WHERE h.kind = 2 AND NOT h.machine), count(*) FILTER (WHERE h.kind = 3)
                FROM {_hits} h {ReportScope(membersDatabase, campaign)} AND h.kind IN (1, 2, 3) GROUP BY hour ORDER BY hour
                """, connection);
            BindScope(command, tenant, campaign);
            var hours = new List<HitReportHour>();
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                hours.Add(new HitReportHour(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5)));
            }

            return hours;
        }, cancellationToken);
    }

    private static string ReportScope(string? membersDatabase, string? campaign) =>
        $"{PostgreSqlReportMembers.Join(membersDatabase, "h")} WHERE h.tenant = @t {(campaign is null ? "" : "AND h.campaign = @c")}";

    private Task<T> ReportAsync<T>(string operation, string? membersDatabase, Func<NpgsqlConnection, CancellationToken, Task<T>> query, CancellationToken cancellationToken) =>
        RunAsync(operation, (connection, ct) => PostgreSqlReportMembers.QueryAsync(connection, membersDatabase, query, ct), cancellationToken);
}

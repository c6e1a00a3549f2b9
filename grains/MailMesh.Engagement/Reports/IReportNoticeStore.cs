using MailMesh.Campaigns.SendLog;

namespace MailMesh.Engagement.Reports;

/// <summary>The bounce and complaint notices of campaigns: a projection of the <c>message.bounced</c> and
/// <c>message.complained</c> events (<see cref="ReportNoticeFeed"/>), brought up to date before each report, each event
/// stored once by its id. The embedded silo keeps it in a SQLite file (<see cref="ReportNoticeStore"/>); a cluster keeps it
/// in its PostgreSQL schema beside the event log it follows, so silos catching up together store each notice once.</summary>
public interface IReportNoticeStore
{
    /// <summary>Creates the tables (idempotent).</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores the notice events written since the last call; returns how many notices were stored.</summary>
    Task<int> CatchUpAsync(CancellationToken cancellationToken = default);

    /// <summary>Bounced and complaining recipients of <paramref name="campaign"/> (all the tenant's campaigns when null,
    /// each recipient counted once per campaign), restricted to the members in <paramref name="membersDatabase"/>
    /// (<see cref="ReportMembers"/>) when given.</summary>
    Task<NoticeReportCounts> ReportCountsAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default);

    /// <summary>Bounce and complaint notices per UTC hour (hours since the Unix epoch), in hour order.</summary>
    Task<IReadOnlyList<(long Hour, long Bounces, long Complaints)>> ReportHoursAsync(
        string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default);
}

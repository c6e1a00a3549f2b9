using System.Diagnostics;
using MailMesh.Campaigns.SendLog;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;
using MailMesh.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailMesh.Engagement.Reports;

/// <summary>Makes campaign and segment reports (<see cref="ICampaignReports"/>) from three stores, each answering
/// aggregate SQL over its own indexes: the send log (recipients by status), the hit store (opens, clicks, unsubscribes,
/// per link, per hour) and the notice store (bounces and complaints, projected from the event log). A segment report
/// first writes the segment's members, page by page, into a members database that each query joins on. Thread-safe.</summary>
public sealed partial class CampaignReportService : ICampaignReports
{
    private readonly IGrainFactory _grains;
    private readonly ISendLogReports _sendLog;
    private readonly IHitStore _hits;
    private readonly IReportNoticeStore _notices;
    private readonly ReportsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CampaignReportService> _logger;
    private readonly Lazy<Task> _prepared;

    /// <summary>A service over these stores.</summary>
    /// <exception cref="InvalidOperationException">The send log has no report queries.</exception>
    public CampaignReportService(
        IGrainFactory grains, ISendLog sendLog, IHitStore hits, IReportNoticeStore notices, IOptions<ReportsOptions> options, TimeProvider time,
        ILogger<CampaignReportService> logger)
    {
        ArgumentNullException.ThrowIfNull(sendLog);
        _grains = grains;
        _sendLog = sendLog as ISendLogReports ?? throw new InvalidOperationException(
            $"the campaign send log ({sendLog.GetType().Name}) answers no report queries (ISendLogReports); register a send log that does (SQLite or PostgreSQL).");
        _hits = hits;
        _notices = notices;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _prepared = new Lazy<Task>(PrepareStoresAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Creates the report indexes and tables (once; later calls wait for the first).</summary>
    public Task PrepareAsync() => _prepared.Value;

    /// <inheritdoc />
    public async Task<CampaignReport> CampaignAsync(string tenant, string campaignId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        var campaign = await FindCampaignAsync(tenant, campaignId).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        var report = await BuildAsync(tenant, campaign, null, null, null, cancellationToken).ConfigureAwait(false);
        ReportLog.Made(_logger, tenant, "campaign:" + campaignId, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, 0);
        return report;
    }

    /// <inheritdoc />
    public async Task<CampaignReport> SegmentAsync(string tenant, string segment, string? campaignId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        if (string.IsNullOrEmpty(segment))
        {
            throw new ArgumentException("give the segment's name.", nameof(segment));
        }

        var segments = _grains.GetGrain<ISegmentDirectoryGrain>(tenant + "/segments");
        if (await segments.Get(segment).ConfigureAwait(false) is null)
        {
            throw new ReportSubjectNotFoundException("segment", segment);
        }

        var campaign = campaignId is null ? null : await FindCampaignAsync(tenant, campaignId).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        await using var members = await SegmentMembersDatabase.WriteAsync(segments, segment, ScratchDirectory, _logger, cancellationToken).ConfigureAwait(false);
        var report = await BuildAsync(tenant, campaign, segment, members.Path, members.Count, cancellationToken).ConfigureAwait(false);
        ReportLog.Made(_logger, tenant, $"segment:{segment}/{campaignId ?? "*"}", (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, members.Count);
        return report;
    }

    // The notice store may live in PostgreSQL, so no store's file says where the silo keeps its data: without the
    // setting, the members database goes to the temporary directory.
    private string ScratchDirectory => _options.ScratchDirectory ?? Path.Combine(Path.GetTempPath(), "mailmesh-reports-scratch");

    private async Task<CampaignInfo> FindCampaignAsync(string tenant, string campaignId)
    {
        if (string.IsNullOrEmpty(campaignId))
        {
            throw new ArgumentException("give the campaign's id.", nameof(campaignId));
        }

        // The key carries the tenant: another tenant's campaign of the same id is a different grain, so it is not found.
        return await _grains.GetGrain<ICampaignGrain>(tenant + "/" + campaignId).Get().ConfigureAwait(false)
            ?? throw new ReportSubjectNotFoundException("campaign", campaignId);
    }

    private async Task<CampaignReport> BuildAsync(
        string tenant, CampaignInfo? campaign, string? segment, string? membersDatabase, long? members, CancellationToken cancellationToken)
    {
        await _prepared.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        var caughtUp = await _notices.CatchUpAsync(cancellationToken).ConfigureAwait(false);
        if (caughtUp > 0)
        {
            ReportLog.CaughtUp(_logger, caughtUp);
        }

        var id = campaign?.Id;
        var sendCounts = _sendLog.ReportCountsAsync(tenant, id, membersDatabase, cancellationToken);
        var sentHours = _sendLog.ReportSentPerHourAsync(tenant, id, membersDatabase, cancellationToken);
        var hitCounts = _hits.ReportCountsAsync(tenant, id, membersDatabase, cancellationToken);
        var hitHours = _hits.ReportHoursAsync(tenant, id, membersDatabase, cancellationToken);
        var links = id is null ? Task.FromResult<IReadOnlyList<ReportLink>>([]) : _hits.ReportLinksAsync(tenant, id, membersDatabase, cancellationToken);
        var noticeCounts = _notices.ReportCountsAsync(tenant, id, membersDatabase, cancellationToken);
        var noticeHours = _notices.ReportHoursAsync(tenant, id, membersDatabase, cancellationToken);
        await Task.WhenAll(sendCounts, sentHours, hitCounts, hitHours, links, noticeCounts, noticeHours).ConfigureAwait(false);

        var send = sendCounts.Result;
        var hits = hitCounts.Result;
        var notices = noticeCounts.Result;
        // A bounce notice exists only for a message the relay accepted, so the bounced recipients are among the sent ones.
        var delivered = Math.Max(0, send.Sent - notices.Bounced);
        var delivery = new ReportDelivery(
            send.Recipients, send.Queued, send.Sending, send.Sent, send.Deferred, send.DeferredOnce, send.Failed, send.Suppressed, send.Cancelled,
            delivered, notices.Bounced, notices.HardBounced, notices.SoftBounced);
        var (hourly, truncated) = ReportSeries.Merge(sentHours.Result, hitHours.Result, noticeHours.Result, CampaignReport.MaxHours);
        return new CampaignReport(
            tenant, id, campaign?.Definition.Name, campaign is null ? null : campaign.Status.ToString().ToLowerInvariant(), segment, members,
            _time.GetUtcNow(), delivery, hits.Opens, hits.Clicks, hits.HumanEngaged, hits.Unsubscribes, notices.Complained, links.Result, hourly, truncated);
    }

    private async Task PrepareStoresAsync()
    {
        await _sendLog.PrepareReportsAsync().ConfigureAwait(false);
        await _hits.PrepareReportsAsync().ConfigureAwait(false);
        await _notices.InitializeAsync().ConfigureAwait(false);
    }
}

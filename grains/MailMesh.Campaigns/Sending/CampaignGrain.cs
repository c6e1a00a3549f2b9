using MailMesh.Audience.Segments;
using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Protocols.Smtp;
using MailMesh.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailMesh.Campaigns.Sending;

/// <summary>One campaign: draft → scheduled → sending ⇄ paused → completed, or cancelled. Scheduling snapshots the template;
/// a durable reminder starts sending at the scheduled time and revives the workers after a restart; while sending, a
/// timer plans the segment into the send log page by page (resumable: the cursor is in the state) and drives the worker
/// shards (docs/adr/campaigns-02-record-then-send.md).</summary>
public sealed partial class CampaignGrain(
    [PersistentState("campaign")] IPersistentState<CampaignState> state,
    ISendLog sendLog,
    IMailSubmitter submitter,
    IOptions<CampaignsOptions> options,
    ILogger<CampaignGrain> logger) : Grain, ICampaignGrain, IRemindable
{
    /// <summary>The name of the campaign's reminder.</summary>
    public const string ReminderName = "campaign";

    private readonly CampaignsOptions _options = options.Value;
    private CampaignStatus? _reportedStatus;

    private string Id => GrainKey[(GrainId.Tenant.Length + 1)..];

    private CampaignState S => state.State;

    /// <summary>The key of campaign <paramref name="id"/> of <paramref name="tenant"/>.</summary>
    public static string KeyFor(string tenant, string id) => tenant + "/" + id;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _reportedStatus = state.RecordExists ? S.Status : null;
        if (state.RecordExists && S.Status == CampaignStatus.Sending)
        {
            StartDriving();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<CampaignInfo> Create(CampaignDefinition definition)
    {
        CheckId();
        CampaignValidator.Validate(definition);
        if (state.RecordExists)
        {
            throw new InvalidOperationException($"Campaign '{GrainKey}' exists already.");
        }

        var now = TimeProvider.GetUtcNow();
        state.State = new CampaignState { Definition = definition, Status = CampaignStatus.Draft, CreatedAt = now };
        RaiseEvent("campaign.created", GrainKey, new { campaign = Id, name = definition.Name, template = definition.Template, segment = definition.Segment });
        return await CommitAsync();
    }

    /// <inheritdoc />
    public async Task<CampaignInfo> Update(CampaignDefinition definition)
    {
        RequireCampaign();
        CampaignValidator.Validate(definition);
        Require(CampaignStatus.Draft, "update it (only drafts can be edited)");
        S.Definition = definition;
        return await CommitAsync();
    }

    /// <inheritdoc />
    public async Task<CampaignInfo> Schedule(DateTimeOffset? startAt)
    {
        RequireCampaign();
        Require(CampaignStatus.Draft, "schedule it (only drafts can be scheduled)");
        if (submitter is UnconfiguredRelay)
        {
            throw new ArgumentException("relay: " + UnconfiguredRelay.Problem + ".", "relay");
        }

        var definition = S.Definition!;
        var template = await GrainFactory.GetGrain<ITemplateDirectoryGrain>(GrainId.Tenant + "/templates").Get(definition.Template)
            ?? throw new ArgumentException($"template: template '{definition.Template}' does not exist; save it first.", "template");
        if (await Segments().Get(definition.Segment) is null)
        {
            throw new ArgumentException($"segment: segment '{definition.Segment}' does not exist; save it first.", "segment");
        }

        var now = TimeProvider.GetUtcNow();
        var start = startAt is { } at && at > now ? at : now;

        // The reminder goes first: one that fires for a campaign that is still a draft removes itself.
        await RegisterOrUpdateReminderAsync(ReminderName, start - now, _options.ReminderPeriod);
        S.Template = template.Definition;
        S.ScheduledFor = start;
        S.Status = CampaignStatus.Scheduled;
        S.Reason = null;
        RaiseEvent("campaign.scheduled", GrainKey, new
        {
            campaign = Id, scheduled_for = start, template = template.Definition.Name, template_version = template.Version, segment = definition.Segment,
        });
        return await CommitAsync();
    }

    /// <inheritdoc />
    public async Task<CampaignInfo> Pause(string? reason)
    {
        RequireCampaign();
        if (S.Status == CampaignStatus.Paused)
        {
            return await InfoAsync();
        }

        Require(CampaignStatus.Sending, "pause it (only a sending campaign can be paused)");
        return await PauseCoreAsync(string.IsNullOrWhiteSpace(reason) ? "paused by request" : reason.Trim(), byCampaign: false);
    }

    /// <inheritdoc />
    public async Task<CampaignInfo> Resume()
    {
        RequireCampaign();
        if (S.Status == CampaignStatus.Sending)
        {
            return await InfoAsync();
        }

        Require(CampaignStatus.Paused, "resume it (only a paused campaign can be resumed)");
        S.Status = CampaignStatus.Sending;
        S.Reason = null;
        S.Generation++;
        RaiseEvent("campaign.resumed", GrainKey, new { campaign = Id });
        var info = await CommitAsync();
        StartDriving();
        return info;
    }

    /// <inheritdoc />
    public async Task<CampaignInfo> Cancel(string? reason)
    {
        RequireCampaign();
        if (S.Status == CampaignStatus.Cancelled)
        {
            return await InfoAsync();
        }

        if (S.Status == CampaignStatus.Completed)
        {
            throw new CampaignStateException(GrainKey, S.Status, "cancel it (it has completed)");
        }

        reason = string.IsNullOrWhiteSpace(reason) ? "cancelled by request" : reason.Trim();
        StopDriving();
        await StopWorkersAsync();
        var now = TimeProvider.GetUtcNow();
        var cancelled = await sendLog.CancelPendingAsync(GrainId.Tenant, Id, reason, now);
        S.Status = CampaignStatus.Cancelled;
        S.Reason = reason;
        S.FinishedAt = now;
        RaiseEvent("campaign.cancelled", GrainKey, new { campaign = Id, reason, cancelled_recipients = cancelled });
        var info = await CommitAsync();
        await UnregisterReminderAsync(ReminderName);
        return info;
    }

    /// <inheritdoc />
    public async Task<CampaignInfo?> Get() => state.RecordExists ? await InfoAsync() : null;

    private async Task<CampaignInfo> PauseCoreAsync(string reason, bool byCampaign)
    {
        StopDriving();
        await StopWorkersAsync();
        S.Status = CampaignStatus.Paused;
        S.Reason = reason;
        RaiseEvent("campaign.paused", GrainKey, new { campaign = Id, reason, by = byCampaign ? "campaign" : "request" });
        if (byCampaign)
        {
            CampaignLog.PausedItself(logger, GrainKey, reason);
        }

        return await CommitAsync();
    }

    private ISegmentDirectoryGrain Segments() => GrainFactory.GetGrain<ISegmentDirectoryGrain>(SegmentDirectoryGrain.KeyFor(GrainId.Tenant));

    private void CheckId()
    {
        var id = Id;
        if (id.Length is 0 or > 100 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"id: '{id}' is not a campaign id (1-100 letters, digits, '-', '_', '.').", "id");
        }
    }

    private void RequireCampaign()
    {
        if (!state.RecordExists)
        {
            throw new CampaignNotFoundException(GrainKey);
        }
    }

    private void Require(CampaignStatus status, string operation)
    {
        if (S.Status != status)
        {
            throw new CampaignStateException(GrainKey, S.Status, operation);
        }
    }

    private async Task<CampaignInfo> CommitAsync()
    {
        S.Version++;
        S.UpdatedAt = TimeProvider.GetUtcNow();
        await state.WriteStateAsync();
        CampaignMetrics.Committed(ref _reportedStatus, S.Status);
        await GrainFactory.GetGrain<ICampaignDirectoryGrain>(CampaignDirectoryGrain.KeyFor(GrainId.Tenant))
            .Put(new CampaignSummary(Id, S.Definition!.Name, S.Status, S.CreatedAt, S.UpdatedAt));
        return await InfoAsync();
    }

    private async Task<CampaignInfo> InfoAsync()
    {
        var progress = S.StartedAt is null ? CampaignProgress.Empty : await sendLog.CountAsync(GrainId.Tenant, Id);
        return new CampaignInfo(GrainId.Tenant, Id, S.Definition!, S.Status, S.Reason, S.ScheduledFor, S.StartedAt, S.FinishedAt, progress,
            S.CreatedAt, S.UpdatedAt, S.Version);
    }
}

using MailMesh.Audience.Contacts;
using MailMesh.Campaigns.Composition;
using MailMesh.Campaigns.SendLog;
using MailMesh.Campaigns.Templates;
using MailMesh.Grains.Campaigns;
using MailMesh.Protocols.Smtp;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NodaTime;

namespace MailMesh.Campaigns.Sending;

/// <summary>One sending shard of a campaign. Each timer turn sends at most one batch (bounded in count and time, so a
/// pause or cancel gets in within seconds): it re-reads the batch's contacts (suppressed or not on the list → suppressed
/// record), and per record waits for the recipient's send window, takes the throttles and composes; then it commits the
/// composed records as <see cref="SendStatus.Sending"/> in one transaction and only then submits them, together, and
/// records the replies in groups as they come in. While the relay has a full batch, the turn prepares the next one
/// beside it; that batch is claimed in the next turn, after its contacts are checked again
/// (docs/adr/campaigns-17-prepare-while-sending.md). Its events are written with its state at the end of each turn.</summary>
public sealed partial class CampaignWorkerGrain(
    [PersistentState("campaign-worker")] IPersistentState<CampaignWorkerState> state,
    ISendLog sendLog,
    ICampaignMessageComposer composer,
    IMailSubmitter submitter,
    DeferralPolicy deferralPolicy,
    IOptions<CampaignsOptions> options,
    IOptions<GrainRuntimeOptions> runtimeOptions,
    ILogger<CampaignWorkerGrain> logger,
    IGrainStorageBatch? storageBatch = null) : Grain, ICampaignWorkerGrain
{
    private readonly CampaignsOptions _options = options.Value;

    // Where the grain store reads many states at once, a batch reads its contacts there instead of activating each
    // contact grain (docs/adr/campaigns-06-grain-path-cpu.md).
    private readonly StoredContacts? _storedContacts = storageBatch is null ? null : new StoredContacts(storageBatch, runtimeOptions.Value.JsonOptions);
    private CampaignWork? _work;
    private SendWindowCalendar? _calendar;
    private DateTimeZone? _zone;
    private SendThrottle? _throttle;
    private DeferralPolicy? _deferral;
    private IDisposable? _timer;
    private bool _running;
    private string? _problem;
    private int _refusals;
    private bool _dirty;
    private TaskCompletionSource? _tick;

    // The next batch, prepared (not claimed) while the last one was sent; the next turn claims it, right away.
    private PreparedBatch? _carried;

    /// <summary>The key of shard <paramref name="shard"/> of campaign <paramref name="campaignId"/>.</summary>
    public static string KeyFor(string tenant, string campaignId, int shard) => $"{tenant}/{campaignId}/shard-{shard}";

    /// <inheritdoc />
    public Task<CampaignWorkerReport> Run(CampaignWork work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (_work is null || _work.Generation != work.Generation)
        {
            _work = work;
            _calendar = new SendWindowCalendar(work.Definition.Windows);
            _zone = TemplateLocales.FindZone(work.Definition.TimeZone) ?? DateTimeZone.Utc;
            _throttle = new SendThrottle(work.Definition.Throttle, _options.Ramp, work.SendingDomainSince, work.Shards);
            _deferral = CampaignDeferral(deferralPolicy.Options, work.Definition.MaxDeferral);
            _problem = null;
            _refusals = 0;
            _carried = null;
        }

        // A batch that threw (a store or call failure) left no timer: the campaign's next drive tick restarts the shard.
        if (_problem is null && (!_running || (_timer is null && _tick is null)))
        {
            _running = true;
            Arm(TimeSpan.Zero);
        }

        return Task.FromResult(new CampaignWorkerReport(_running, _problem, _tick is not null));
    }

    /// <inheritdoc />
    public async Task Stop()
    {
        _running = false;
        _carried = null;
        _timer?.Dispose();
        _timer = null;
        if (_tick is { } tick)
        {
            // The batch sees the flag once its claimed messages are sent and recorded, and flushes its events itself.
            await tick.Task;
            return;
        }

        await FlushAsync();
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    private void Arm(TimeSpan due)
    {
        _timer?.Dispose();
        _timer = RegisterTimer(TickAsync, due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        _timer = null;
        if (!_running || _work is null)
        {
            return;
        }

        var tick = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _tick = tick;
        try
        {
            await SendBatchAsync(_work, cancellationToken);
        }
        finally
        {
            _tick = null;
            tick.SetResult();
        }
    }

    private async Task SendBatchAsync(CampaignWork work, CancellationToken cancellationToken)
    {
        var batch = TakeCarried(work) is { } carried ? await RecheckAsync(carried) : await PrepareBatchAsync(work, cancellationToken);
        var following = batch.Ready.Count > 0 ? await SendPreparedAsync(batch, cancellationToken) : null;
        if (_problem is not null)
        {
            _running = false;
        }

        await FlushAsync();
        if (!_running)
        {
            // A batch prepared beside the last one is dropped unclaimed: its records are still due.
            return;
        }

        if (following is { Ready.Count: > 0 })
        {
            _carried = following;
            Arm(TimeSpan.Zero);
            return;
        }

        var last = following ?? batch;
        var wake = last.Wake ?? (last.Due >= BatchSize ? TimeSpan.Zero : null);
        if (wake is null)
        {
            var next = await sendLog.NextDueAsync(work.Tenant, work.CampaignId, work.Shard, cancellationToken);
            var idle = _options.ReminderPeriod;
            wake = next is null ? idle : Min(next.Value - TimeProvider.GetUtcNow(), idle);
        }

        Arm(wake.Value);
    }

    /// <summary>The batch prepared in the last turn for this work, taken (a new generation of the work drops it).</summary>
    private PreparedBatch? TakeCarried(CampaignWork work)
    {
        var carried = _carried;
        _carried = null;
        return carried is not null && ReferenceEquals(carried.Work, work) ? carried : null;
    }

    private int BatchSize => Math.Clamp(_options.BatchSize, 1, 10_000);

    private async Task FlushAsync()
    {
        if (_dirty)
        {
            _dirty = false;
            await state.WriteStateAsync();
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The relay's deferral policy (backoff, jitter) with the campaign's maximum deferral as its maximum age.</summary>
    private DeferralPolicy CampaignDeferral(DeferralPolicyOptions relay, TimeSpan maxDeferral)
    {
        var initial = Min(relay.InitialDelay, maxDeferral);
        return new DeferralPolicy(
            new DeferralPolicyOptions
            {
                InitialDelay = initial,
                Multiplier = relay.Multiplier,
                MaxDelay = relay.MaxDelay < initial ? initial : relay.MaxDelay,
                MaxAge = maxDeferral,
                Jitter = relay.Jitter,
            },
            TimeProvider);
    }
}

using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using MailMesh.Runtime;

namespace MailMesh.Campaigns.Sending;

public sealed partial class CampaignGrain
{
    private IDisposable? _drive;

    /// <summary>The queued count of the last drive tick once all is planned, and when it was read (for <see cref="DrainTime"/>).</summary>
    private (long Queued, long At)? _lastPending;

    /// <inheritdoc />
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!state.RecordExists || S.Status is CampaignStatus.Draft or CampaignStatus.Completed or CampaignStatus.Cancelled)
        {
            await UnregisterReminderAsync(reminderName);
            return;
        }

        if (S.Status == CampaignStatus.Scheduled && TimeProvider.GetUtcNow() >= S.ScheduledFor)
        {
            await StartSendingAsync();
        }

        if (S.Status == CampaignStatus.Sending)
        {
            StartDriving();
        }
    }

    private async Task StartSendingAsync()
    {
        var definition = S.Definition!;
        var now = TimeProvider.GetUtcNow();
        if (await Segments().Get(definition.Segment) is null)
        {
            S.Status = CampaignStatus.Paused;
            S.Reason = $"segment '{definition.Segment}' no longer exists; save it again and resume";
            S.StartedAt = now;
            RaiseEvent("campaign.paused", GrainKey, new { campaign = Id, reason = S.Reason, by = "campaign" });
            await CommitAsync();
            return;
        }

        S.SendingDomainSince = await sendLog.SendingDomainFirstUseAsync(GrainId.Tenant, SendSpread.Domain(definition.Sender.FromAddress), now);
        S.Shards = Math.Clamp(_options.Shards, 1, 64);
        S.ShardByDomain = definition.Throttle.PerDomainPerMinute > 0;
        S.PlanCursor = null;
        S.Planned = false;
        S.Status = CampaignStatus.Sending;
        S.StartedAt = now;
        S.Generation++;
        RaiseEvent("campaign.started", GrainKey, new { campaign = Id, segment = definition.Segment, shards = S.Shards });
        await CommitAsync();
    }

    private void StartDriving() => _drive ??= RegisterTimer(DriveAsync, TimeSpan.Zero, _options.DriveInterval);

    private void StopDriving()
    {
        _lastPending = null;
        CampaignMetrics.Progress(GrainKey, null);
        _drive?.Dispose();
        _drive = null;
    }

    /// <summary>One drive tick: plan the next pages, keep the workers running, pause when one reports a problem,
    /// complete when nothing is left to send.</summary>
    private async Task DriveAsync(CancellationToken cancellationToken)
    {
        if (S.Status != CampaignStatus.Sending)
        {
            StopDriving();
            return;
        }

        for (var page = 0; page < _options.PlanPagesPerTick && !S.Planned; page++)
        {
            await PlanPageAsync();
        }

        PendingSends? before = S.Planned ? await sendLog.CountPendingAsync(GrainId.Tenant, Id, cancellationToken) : null;
        CampaignMetrics.Progress(GrainKey, before);
        string? problem = null;
        var busy = false;
        for (var shard = 0; shard < S.Shards; shard++)
        {
            var report = await Worker(shard).Run(Work(shard));
            problem ??= report.Problem;
            busy |= report.Busy;
        }

        if (problem is not null)
        {
            await PauseCoreAsync(problem, byCampaign: true);
            return;
        }

        // Nothing was queued or deferred before the workers answered, and none of them is in a batch: no batch can start
        // and no message is in flight, so the counts are final. Records still "sending" were left by a crash and are
        // never sent again (docs/adr/campaigns-02-record-then-send.md).
        if (before is { Queued: 0, Deferred: 0 } && !busy)
        {
            await CompleteAsync();
            return;
        }

        // While part of the audience is still to plan, the next tick follows this one at once: planning then keeps ahead of
        // the workers, who drain what is planned faster than the drive interval brings more. Once all is planned, the next
        // tick comes when the workers should have sent what is queued, if that is sooner than the interval, so completion
        // is seen soon after the last send (docs/adr/campaigns-23-planning-ahead-of-the-workers.md).
        if (!S.Planned)
        {
            NextTickIn(TimeSpan.Zero);
        }
        else if (before is { } pending && DrainTime(pending) is { } drain)
        {
            NextTickIn(drain);
        }
    }

    /// <summary>When the queued records will all be sent at the rate seen since the last tick (see
    /// <see cref="DriveTicks.DrainTime"/>); remembers this count for the next tick.</summary>
    private TimeSpan? DrainTime(PendingSends pending)
    {
        var now = TimeProvider.GetTimestamp();
        var last = _lastPending;
        _lastPending = (pending.Queued, now);
        return last is { } before
            ? DriveTicks.DrainTime(before.Queued, pending, TimeProvider.GetElapsedTime(before.At, now), _options.DriveInterval)
            : null;
    }

    /// <summary>Brings the next tick to <paramref name="due"/> from now; ticks go on every drive interval after it. Called at
    /// the end of a tick, so disposing its timer cancels only the token this tick no longer uses. Each tick stays a turn of
    /// its own: a pause or cancel queued meanwhile runs between two ticks.</summary>
    private void NextTickIn(TimeSpan due)
    {
        if (_drive is null)
        {
            return;
        }

        _drive.Dispose();
        _drive = RegisterTimer(DriveAsync, due, _options.DriveInterval);
    }

    private async Task PlanPageAsync()
    {
        var definition = S.Definition!;
        var page = await Segments().Members(definition.Segment, S.PlanCursor, Math.Clamp(_options.PlanPageSize, 1, 1000));
        var start = S.StartedAt!.Value;
        var sends = new List<PlannedSend>(page.Addresses.Count);
        foreach (var address in page.Addresses)
        {
            var id = SendId.For(GrainId.Tenant, Id, address);
            sends.Add(new PlannedSend(address, id, SendSpread.Shard(id, address, S.Shards, S.ShardByDomain), start + SendSpread.Offset(id, definition.SpreadMinutes)));
        }

        if (sends.Count > 0)
        {
            await sendLog.EnqueueAsync(GrainId.Tenant, Id, sends, TimeProvider.GetUtcNow());
        }

        // The cursor is written after the page: a crash in between plans the page again, which adds nothing twice.
        S.PlanCursor = page.Addresses.Count > 0 ? page.Addresses[^1] : S.PlanCursor;
        S.Planned = page.Next is null || page.Addresses.Count == 0;
        S.Version++;
        S.UpdatedAt = TimeProvider.GetUtcNow();
        await state.WriteStateAsync();
    }

    private async Task CompleteAsync()
    {
        // Stopping the drive timer cancels its token: the rest of this turn must not use it.
        StopDriving();
        var progress = await sendLog.CountAsync(GrainId.Tenant, Id);
        S.Status = CampaignStatus.Completed;
        S.FinishedAt = TimeProvider.GetUtcNow();
        RaiseEvent("campaign.completed", GrainKey, new
        {
            campaign = Id, planned = progress.Planned, sent = progress.Sent, failed = progress.Failed, suppressed = progress.Suppressed,
            unknown = progress.Sending,
        });
        await CommitAsync();
        await UnregisterReminderAsync(ReminderName);
    }

    private async Task StopWorkersAsync()
    {
        for (var shard = 0; shard < S.Shards; shard++)
        {
            await Worker(shard).Stop();
        }
    }

    private ICampaignWorkerGrain Worker(int shard) => GrainFactory.GetGrain<ICampaignWorkerGrain>(CampaignWorkerGrain.KeyFor(GrainId.Tenant, Id, shard));

    private CampaignWork Work(int shard) =>
        new(GrainId.Tenant, Id, S.Definition!, S.Template!, shard, S.Shards, S.SendingDomainSince, S.Generation);
}

using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using MailMesh.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailMesh.Engagement.Scoring;

/// <summary>The periodic engagement pass: hands over stored hits a failed grain call left pending, and scores again the
/// contacts whose status changes with time alone (active → inactive → dormant, new → inactive), applying the dormant
/// policy (<see cref="EngagementOptions.DormantAction"/>) to contacts that became dormant.</summary>
public sealed class EngagementPass(
    IHitStore store, TrackingWriter writer, IGrainFactory grains, IOptions<EngagementOptions> options, TimeProvider time, ILogger<EngagementPass> logger)
{
    private const int Page = 500;

    /// <summary>Runs one pass; returns how many contacts were scored again and how many of them are dormant.</summary>
    public async Task<(int Rescored, int Dormant)> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        await writer.RedriveAsync(TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
        var o = options.Value;
        int rescored = 0, dormant = 0;
        var seen = new HashSet<(string, string)>();
        while (true)
        {
            var due = (await store.DueForRescoreAsync(time.GetUtcNow(), o.ActiveWindow, o.NewWindow, o.DormantAfter, Page, cancellationToken).ConfigureAwait(false))
                .Where(seen.Add).ToList();
            if (due.Count == 0)
            {
                break;
            }

            var summaries = new List<(string, string, EngagementSummary)>();
            foreach (var (tenant, contact) in due)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (await grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact(tenant, contact)).Rescore().ConfigureAwait(false) is { } summary)
                {
                    summaries.Add((tenant, contact, summary));
                    rescored++;
                    dormant += summary.Status == EngagementStatus.Dormant ? 1 : 0;
                }
            }

            await store.UpsertContactsAsync(summaries, cancellationToken).ConfigureAwait(false);
        }

        TrackingLog.PassDone(logger, rescored, dormant);
        return (rescored, dormant);
    }

    /// <summary>Runs the pass every <see cref="EngagementOptions.PassInterval"/> until cancelled; a failed pass is logged and
    /// retried at the next tick.</summary>
    public async Task RunPeriodicallyAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.PassInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await RunOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                TrackingLog.PassFailed(logger, e, options.Value.PassInterval);
            }
        }
    }
}

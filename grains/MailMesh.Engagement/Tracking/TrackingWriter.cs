using MailMesh.Grains.Engagement;
using MailMesh.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailMesh.Engagement.Tracking;

/// <summary>Takes hits off the queue in batches: stores them in the hit store (one transaction), then hands each contact's
/// opens and clicks to its engagement grain (several grains at once) and records their final classification. On a graceful
/// stop it drains the queue first. A crash loses the hits still in memory (at most the queue and one batch); hits already
/// stored but not yet handed over are handed over at the next start.</summary>
public sealed class TrackingWriter(
    TrackingHitQueue queue, HitStore store, IGrainFactory grains, IOptions<TrackingListenerOptions> options, ILogger<TrackingWriter> logger, TimeProvider time)
{
    private readonly TrackingListenerOptions _options = options.Value;
    private readonly object _gate = new();
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private long _written;
    private long _handedOver;
    private int _busy;

    /// <summary>Hits taken off the queue and processed so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Opens and clicks a grain has counted so far.</summary>
    public long HandedOver => Interlocked.Read(ref _handedOver);

    /// <summary>Creates the store, hands over what a crash left pending and starts taking hits.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await RedriveAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        _loop = Task.Run(RunAsync, CancellationToken.None);
    }

    /// <summary>Takes no more hits, drains the queue and stops; when <paramref name="cancellationToken"/> fires first the
    /// hits still queued are lost (logged with their count).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        queue.Complete();
        if (_loop is null)
        {
            return;
        }

        try
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
            TrackingLog.Drained(logger, Written, queue.Dropped);
        }
        catch (OperationCanceledException)
        {
            TrackingLog.DrainCut(logger, queue.Depth);
        }
    }

    /// <summary>Completes once the queue is empty and no batch is being processed (tests, benchmarks).</summary>
    public async Task WaitIdleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task next;
            lock (_gate)
            {
                if (queue.Depth == 0 && Volatile.Read(ref _busy) == 0)
                {
                    return;
                }

                next = _progress.Task;
            }

            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Hands over stored hits still pending that arrived more than <paramref name="olderThan"/> ago.</summary>
    public async Task RedriveAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow() - olderThan;
        while (true)
        {
            var pending = (await store.PendingAsync(_options.BatchSize, cancellationToken).ConfigureAwait(false)).Where(h => h.At <= cutoff).ToList();
            if (pending.Count == 0)
            {
                return;
            }

            TrackingLog.Redriving(logger, pending.Count);
            if (await HandOverAsync(pending, cancellationToken).ConfigureAwait(false) == 0)
            {
                return;
            }
        }
    }

    private async Task RunAsync()
    {
        var reader = queue.Reader;
        var batch = new List<HitRecord>(_options.BatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            lock (_gate)
            {
                _busy = 1;
            }

            while (batch.Count < _options.BatchSize && reader.TryRead(out var hit))
            {
                batch.Add(hit);
            }

            try
            {
                await ProcessAsync(batch).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // ProcessAsync handles store and grain failures itself; this is a bug, logged, and the loop keeps serving.
                TrackingLog.WriterFailed(logger, e);
            }

            Interlocked.Add(ref _written, batch.Count);
            batch.Clear();
            TaskCompletionSource done;
            lock (_gate)
            {
                _busy = 0;
                done = _progress;
                _progress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            done.TrySetResult();
        }
    }

    private async Task ProcessAsync(List<HitRecord> batch)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.InsertAsync(batch).ConfigureAwait(false);
                TrackingMetrics.Written(batch, started, ok: true);
                break;
            }
            catch (Exception e) when (attempt < 4 && e is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                TrackingLog.StoreRetry(logger, e, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt * attempt), time).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                TrackingLog.StoreFailed(logger, e, batch.Count);
                TrackingMetrics.Written(batch, started, ok: false);
                break;
            }
        }

        await HandOverAsync(batch, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Hands opens and clicks to the engagement grains; returns how many were handed over.</summary>
    private async Task<int> HandOverAsync(IReadOnlyList<HitRecord> hits, CancellationToken cancellationToken)
    {
        var groups = hits.Where(h => h.Kind is HitKind.Open or HitKind.Click).GroupBy(h => (h.Tenant, h.Contact)).ToList();
        var marks = new List<(Guid, HitState, bool, string?)>();
        var summaries = new List<(string, string, EngagementSummary)>();
        var handedOver = 0;
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = _options.GrainConcurrency, CancellationToken = cancellationToken }, async (group, ct) =>
        {
            var key = EngagementKeys.Contact(group.Key.Tenant, group.Key.Contact);
            var ordered = group.OrderBy(h => h.At).ToList();
            try
            {
                var result = await grains.GetGrain<IContactEngagementGrain>(key).Record([.. ordered.Select(h => h.ToTracked())]).ConfigureAwait(false);
                var outcomes = result.Outcomes.ToDictionary(o => o.Id);
                lock (marks)
                {
                    foreach (var hit in ordered)
                    {
                        var (machine, reason) = outcomes.Remove(hit.Id, out var o) ? (o.Machine, o.Reason) : (hit.Machine, hit.Reason);
                        marks.Add((hit.Id, result.ContactExists ? HitState.Applied : HitState.UnknownContact, machine, reason));
                        TrackingMetrics.HandedOver(hit.Kind, machine, result.ContactExists);
                    }

                    // Earlier clicks that this batch turned into a burst.
                    marks.AddRange(outcomes.Values.Select(o => (o.Id, HitState.Applied, o.Machine, o.Reason)));
                    if (result.Summary is { } summary)
                    {
                        summaries.Add((group.Key.Tenant, group.Key.Contact, summary));
                    }

                    handedOver += ordered.Count;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                TrackingLog.GrainFailed(logger, e, ordered.Count, key);
                TrackingMetrics.HandOverFailed(ordered);
            }
        }).ConfigureAwait(false);
        Interlocked.Add(ref _handedOver, handedOver);
        try
        {
            await store.MarkAsync(marks, cancellationToken).ConfigureAwait(false);
            await store.UpsertContactsAsync(summaries, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            // The grains skip hit ids they already counted, so leaving the rows pending costs a repeat hand-over only.
            TrackingLog.StoreFailed(logger, e, marks.Count);
        }

        return handedOver;
    }
}

using MailMesh.Grains.Engagement;
using MailMesh.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailMesh.Engagement.Tracking;

/// <summary>Takes hits off the queue in batches, from memory first and then from the spill journal: stores them in the hit
/// store with an open hand-over (one transaction), then hands each contact's opens and clicks to its engagement grain
/// (several grains at once) and closes the hand-over with what the grains changed (one transaction). On a graceful stop
/// it drains the memory queue; the spill journal stays on disk and is read after the next start. A batch the store refuses
/// for good goes back to the journal, not to the grains: no hit is counted without its stored row. A crash loses the hits
/// still in memory (at most the queue and one batch), none of the spilled ones; hits stored but not yet handed over are
/// handed over at the next start.</summary>
public sealed partial class TrackingWriter(
    TrackingHitQueue queue, IHitStore store, IGrainFactory grains, IOptions<TrackingListenerOptions> options, IOptions<TrackingWriterOptions> writerOptions,
    ILogger<TrackingWriter> logger, TimeProvider time)
{
    /// <summary>How many times a batch is offered to the store before it goes back to the spill journal.</summary>
    internal const int StoreAttempts = 4;

    private readonly TrackingListenerOptions _options = options.Value;
    private readonly TrackingWriterOptions _writerOptions = writerOptions.Value;
    private readonly CancellationTokenSource _stopping = new();
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
        try
        {
            queue.Spill.Open();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Tried again by the first hit that finds the memory queue full; until it opens such hits are refused (503).
            TrackingLog.SpillFailed(logger, e, _options.SpillDirectory ?? "", _options.SpillRetryAfter);
        }

        _markTime = time.GetTimestamp();
        _loop = Task.Run(RunAsync, CancellationToken.None);
    }

    /// <summary>Takes no more hits, drains the memory queue, closes the spill journal (what is left in it is read after the
    /// next start) and stops; when <paramref name="cancellationToken"/> fires first the hits still in memory are lost
    /// (logged with their count).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        // A yielding writer resumes at once: the memory queue is drained now, not when arrivals slow down.
        await _stopping.CancelAsync().ConfigureAwait(false);
        queue.Complete();
        if (_loop is null)
        {
            await queue.Spill.DisposeAsync().ConfigureAwait(false);
            return;
        }

        try
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
            await queue.Spill.DisposeAsync().ConfigureAwait(false);
            TrackingLog.Drained(logger, Written, queue.Spilled, queue.Refused, queue.Spill.Hits);
        }
        catch (OperationCanceledException)
        {
            TrackingLog.DrainCut(logger, queue.Depth);
        }
    }

    /// <summary>Completes once the memory queue and the spill journal are empty and no batch is being processed (tests,
    /// benchmarks).</summary>
    public async Task WaitIdleAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task next;
            lock (_gate)
            {
                if (queue.Depth == 0 && Volatile.Read(ref _busy) == 0 && queue.Spill.Hits == 0)
                {
                    return;
                }

                next = _progress.Task;
            }

            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Hands over what a crash or a failed grain call left behind more than <paramref name="olderThan"/> ago: open
    /// hand-overs first, then hits left <see cref="HitState.Pending"/>.</summary>
    public async Task RedriveAsync(TimeSpan olderThan, CancellationToken cancellationToken = default)
    {
        var cutoff = time.GetUtcNow() - olderThan;
        while (true)
        {
            var open = await store.OpenHandOversAsync(cutoff, 64, cancellationToken).ConfigureAwait(false);
            if (open.Count == 0)
            {
                break;
            }

            foreach (var handOver in open)
            {
                TrackingLog.Redriving(logger, handOver.Hits.Count);
                var (changes, contacts, _) = await HandOverAsync(handOver.Hits, handOver.Id, HitState.Applied, cancellationToken).ConfigureAwait(false);
                // Closed whatever the grains did: hits whose call failed are Pending now and retried below or by the next pass.
                await store.CloseHandOverAsync(handOver.Id, changes, contacts, cancellationToken).ConfigureAwait(false);
            }
        }

        while (true)
        {
            var pending = (await store.PendingAsync(_options.BatchSize, cancellationToken).ConfigureAwait(false)).Where(h => h.At <= cutoff).ToList();
            if (pending.Count == 0)
            {
                return;
            }

            TrackingLog.Redriving(logger, pending.Count);
            var (changes, contacts, handedOver) = await HandOverAsync(pending, 0, HitState.Pending, cancellationToken).ConfigureAwait(false);
            try
            {
                await store.MarkAsync(changes, cancellationToken).ConfigureAwait(false);
                await store.UpsertContactsAsync(contacts, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                // The grains skip hit ids they already counted, so leaving the rows pending costs a repeat hand-over only.
                TrackingLog.StoreFailed(logger, e, changes.Count);
                return;
            }

            if (handedOver == 0)
            {
                return;
            }
        }
    }

    private async Task RunAsync()
    {
        var reader = queue.Reader;
        var spill = queue.Spill;
        var batch = new List<HitRecord>(_options.BatchSize);
        while (true)
        {
            if (_mayYield && !_stopping.IsCancellationRequested && ArrivingFast() && QueueCanHold(queue.Refused))
            {
                await YieldAsync().ConfigureAwait(false);
            }

            // Taken before reading: a spill write that lands after the read below still wakes the wait.
            var spillWritten = spill.NextWrite;
            lock (_gate)
            {
                _busy = 1;
            }

            Take(batch, HandOverSize);
            var taken = batch.Count;
            if (taken > 0)
            {
                try
                {
                    taken = await ProcessAsync(batch).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // ProcessAsync handles store and grain failures itself; this is a bug, logged, and the loop keeps serving.
                    TrackingLog.WriterFailed(logger, e);
                }

                Interlocked.Add(ref _written, taken);
                batch.Clear();
            }

            // Less than a batch left: the writer has caught up, and may yield to the endpoints again.
            _mayYield |= queue.Depth + queue.Spill.Hits < _options.BatchSize;
            Progressed(busy: false);
            if (taken > 0)
            {
                continue;
            }

            var memory = reader.WaitToReadAsync();
            if (!memory.IsCompleted)
            {
                await Task.WhenAny(memory.AsTask(), spillWritten).ConfigureAwait(false);
            }
            else if (!memory.Result)
            {
                return;
            }
        }
    }

    /// <summary>Most hits handed to the grains under one hand-over: a batch the spill journal filled up, or batches from
    /// memory stored one by one while the writer is behind.</summary>
    private int HandOverSize => Math.Max(_options.BatchSize, _options.SpillBatchSize);

    /// <summary>Adds up to <see cref="TrackingListenerOptions.BatchSize"/> hits from memory to <paramref name="batch"/>, then
    /// fills it from the spill journal up to <paramref name="max"/> hits. After a stop the spill is left for the next start:
    /// only the memory queue is drained. Spilled hits stay in the journal until stored, so a batch may take more of them: a
    /// deep backlog then reaches each contact with several hits in one grain turn.</summary>
    private void Take(List<HitRecord> batch, int max)
    {
        var reader = queue.Reader;
        var fromMemory = batch.Count + Math.Min(_options.BatchSize, max);
        while (batch.Count < fromMemory && reader.TryRead(out var hit))
        {
            batch.Add(hit);
        }

        if (batch.Count < max && !reader.Completion.IsCompleted)
        {
            queue.Spill.Read(batch, max - batch.Count);
        }
    }

    /// <summary>Stores a batch with an open hand-over, hands it to the grains and closes the hand-over with what differs from
    /// the stored rows: three statements per hit fewer than storing hits pending and marking each afterwards. A batch the
    /// store refuses <see cref="StoreAttempts"/> times goes back to the spill journal, unhanded: a hit reaches the grains
    /// only with its raw row, so the reports count every hit the grains do. A full batch means the writer is behind: the
    /// batches that follow it are stored one by one (a crash loses at most the one being stored, as before) and the stored
    /// ones are handed over together, up to <see cref="HandOverSize"/> hits, so that a contact's hits of several batches
    /// share one grain turn (docs/adr/engagement-06-stored-batches-handed-over-together.md). Hits taken here are added to
    /// <paramref name="batch"/>.</summary>
    private async Task<int> ProcessAsync(List<HitRecord> batch)
    {
        var taken = batch.Count;
        if (await StoreOrRespillAsync(batch).ConfigureAwait(false) is not { } first)
        {
            return taken;
        }

        var parts = new List<(long HandOver, int Start, int Count)> { (first, 0, batch.Count) };
        // A batch taken full says more hits are waiting; one taken short, that the writer has caught up.
        var last = batch.Count;
        var more = new List<HitRecord>(_options.BatchSize);
        while (last >= _options.BatchSize && batch.Count + _options.BatchSize <= HandOverSize && !queue.Reader.Completion.IsCompleted)
        {
            more.Clear();
            Take(more, HandOverSize - batch.Count);
            last = more.Count;
            taken += last;
            if (last == 0)
            {
                break;
            }

            if (await StoreOrRespillAsync(more).ConfigureAwait(false) is not { } part)
            {
                // Back in the spill journal, read again by a later batch; the parts stored so far are handed over.
                break;
            }

            parts.Add((part, batch.Count, more.Count));
            batch.AddRange(more);
        }

        if (parts.Count > 1)
        {
            try
            {
                var merged = await store.MergeHandOversAsync([.. parts.Select(p => p.HandOver)], batch, time.GetUtcNow()).ConfigureAwait(false);
                parts = [(merged, 0, batch.Count)];
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                // Handed over as stored, one hand-over at a time: the same counts, in more grain turns.
                MergeFailed(logger, e, parts.Count, batch.Count);
            }
        }

        foreach (var (handOver, start, count) in parts)
        {
            var hits = parts.Count == 1 ? batch : batch.GetRange(start, count);
            var (changes, contacts, _) = await HandOverAsync(hits, handOver, HitState.Applied, CancellationToken.None).ConfigureAwait(false);
            try
            {
                await store.CloseHandOverAsync(handOver, changes, contacts, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                // The hand-over stays open and is handed over again (the next pass, or the next start); the grains skip it,
                // or the hit ids they already counted.
                TrackingLog.StoreFailed(logger, e, changes.Count);
            }
        }

        return taken;
    }

    /// <summary>Stores <paramref name="batch"/> with an open hand-over; when the store refuses it for good, returns it to the
    /// spill journal (null then), waiting while neither takes it.</summary>
    private async Task<long?> StoreOrRespillAsync(List<HitRecord> batch)
    {
        while (true)
        {
            if (await StoreAsync(batch).ConfigureAwait(false) is { } stored)
            {
                return stored;
            }

            if (await ReturnToSpillAsync(batch).ConfigureAwait(false))
            {
                // The spilled hits of the batch are in the journal again, at its end: their first records are done with.
                queue.Spill.Commit();
                return null;
            }

            // Neither the store nor the journal takes them: they stay here, and so does every hit behind them.
            TrackingLog.StoreAndSpillFailed(logger, batch.Count, _options.SpillRetryAfter);
            await Task.Delay(_options.SpillRetryAfter, time).ConfigureAwait(false);
        }
    }

    /// <summary>Stores <paramref name="batch"/> with an open hand-over, trying up to <see cref="StoreAttempts"/> times;
    /// the hand-over's id, or null when every attempt failed.</summary>
    private async Task<long?> StoreAsync(List<HitRecord> batch)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var handOver = await store.StoreForHandOverAsync(batch, time.GetUtcNow()).ConfigureAwait(false);
                TrackingMetrics.Written(batch, started, ok: true);
                // Stored: the spilled hits of the batch are the hand-over's now, not the journal's.
                queue.Spill.Commit();
                return handOver;
            }
            catch (Exception e) when (attempt < StoreAttempts && e is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                TrackingLog.StoreRetry(logger, e, batch.Count, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt * attempt), time).ConfigureAwait(false);
            }
            catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                TrackingLog.StoreFailedRespilled(logger, e, batch.Count, attempt);
                TrackingMetrics.Written(batch, started, ok: false);
                return null;
            }
        }
    }

    /// <summary>Appends every hit of <paramref name="batch"/> to the spill journal (the writer reads them again after the
    /// memory queue); false when the journal refused any of them. A hit appended twice (once here, once by an earlier
    /// refusal of the batch) is stored once: the store skips ids it has.</summary>
    private async Task<bool> ReturnToSpillAsync(List<HitRecord> batch)
    {
        var appends = new List<Task<SpillOutcome>>(batch.Count);
        foreach (var hit in batch)
        {
            appends.Add(queue.Spill.AppendAsync(hit).AsTask());
        }

        var outcomes = await Task.WhenAll(appends).ConfigureAwait(false);
        return outcomes.All(o => o == SpillOutcome.Written);
    }

    /// <summary>Hands opens and clicks to the engagement grains, each contact's in one call marked with
    /// <paramref name="handOver"/> (0 for pending hits, which have none). Returns what differs from <paramref name="stored"/>
    /// with the endpoint's classification (the rows to update), the statuses of the contacts reached, and how many hits
    /// were handed over.</summary>
    private async Task<(List<(Guid, HitState, bool, string?)> Changes, List<(string, string, EngagementSummary)> Contacts, int HandedOver)> HandOverAsync(
        IReadOnlyList<HitRecord> hits, long handOver, HitState stored, CancellationToken cancellationToken)
    {
        var groups = hits.Where(h => h.Kind is HitKind.Open or HitKind.Click).GroupBy(h => (h.Tenant, h.Contact)).ToList();
        var changes = new List<(Guid, HitState, bool, string?)>();
        var summaries = new List<(string, string, EngagementSummary)>();
        var handedOver = 0;
        void Change(HitRecord hit, HitState state, bool machine, string? reason)
        {
            if (state != stored || machine != hit.Machine || reason != hit.Reason)
            {
                changes.Add((hit.Id, state, machine, reason));
            }
        }

        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = _options.GrainConcurrency, CancellationToken = cancellationToken }, async (group, ct) =>
        {
            var key = EngagementKeys.Contact(group.Key.Tenant, group.Key.Contact);
            var ordered = group.OrderBy(h => h.At).ToList();
            try
            {
                var result = await grains.GetGrain<IContactEngagementGrain>(key).Record(new TrackedHits([.. ordered.Select(h => h.ToTracked())]) { HandOver = handOver })
                    .ConfigureAwait(false);
                var outcomes = result.Outcomes.ToDictionary(o => o.Id);
                lock (changes)
                {
                    foreach (var hit in ordered)
                    {
                        var (machine, reason) = outcomes.Remove(hit.Id, out var o) ? (o.Machine, o.Reason) : (hit.Machine, hit.Reason);
                        Change(hit, result.ContactExists ? HitState.Applied : HitState.UnknownContact, machine, reason);
                        TrackingMetrics.HandedOver(hit.Kind, machine, result.ContactExists);
                    }

                    // Earlier clicks that this batch turned into a burst.
                    changes.AddRange(outcomes.Values.Select(o => (o.Id, HitState.Applied, o.Machine, o.Reason)));
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
                lock (changes)
                {
                    foreach (var hit in ordered)
                    {
                        Change(hit, HitState.Pending, hit.Machine, hit.Reason);
                    }
                }
            }
        }).ConfigureAwait(false);
        Interlocked.Add(ref _handedOver, handedOver);
        return (changes, summaries, handedOver);
    }

    [LoggerMessage(EventId = 9020, Level = LogLevel.Warning,
        Message = "Merging {Parts} stored tracking batches ({Count} hits) into one hand-over failed; each is handed over on its own")]
    private static partial void MergeFailed(ILogger logger, Exception exception, int parts, int count);
}

using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace MailMesh.Engagement.Tracking;

/// <summary>The bounded in-memory queue between the endpoints and the writer: endpoints answer as soon as the hit is in
/// it, so a burst never waits for a grain turn or a SQL write. When it is full the hit goes to the durable
/// <see cref="TrackingSpill"/> journal, which the writer reads after the memory queue; only when the journal is full or
/// its disk fails is the hit refused (the endpoint answers 503 with Retry-After), and counted. No hit is dropped
/// silently.</summary>
public sealed class TrackingHitQueue : IDisposable
{
    /// <summary>The meter of the tracking endpoints.</summary>
    public const string MeterName = "MailMesh.Engagement";

    private readonly Channel<HitRecord> _channel;
    private readonly TrackingSpill _spill;
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _hits;
    private readonly Counter<long> _spilled;
    private readonly Counter<long> _refused;
    private long _enqueued;
    private long _spilledCount;
    private long _refusedCount;

    /// <summary>A queue of <see cref="TrackingListenerOptions.QueueCapacity"/> hits that overflows into <paramref name="spill"/>.</summary>
    public TrackingHitQueue(Microsoft.Extensions.Options.IOptions<TrackingListenerOptions> options, TrackingSpill spill)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spill);
        _channel = Channel.CreateBounded<HitRecord>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
        _spill = spill;
        _hits = _meter.CreateCounter<long>("mailmesh.tracking.hits", "{hit}", "Hits on the public tracking endpoints, by kind and classification.");
        _spilled = _meter.CreateCounter<long>("mailmesh.tracking.hits.spilled", "{hit}", "Hits written to the spill journal because the memory queue was full.");
        _refused = _meter.CreateCounter<long>("mailmesh.tracking.hits.refused", "{hit}",
            "Hits refused with 503 because the memory queue and the spill journal were full (reason = full) or the journal's disk failed (reason = disk).");
        _meter.CreateObservableGauge("mailmesh.tracking.queue.depth", () => (long)_channel.Reader.Count, "{hit}", "Hits waiting for the writer in memory.");
    }

    /// <summary>Hits accepted so far (in memory or in the spill journal).</summary>
    public long Enqueued => Interlocked.Read(ref _enqueued);

    /// <summary>Of those, hits that went to the spill journal.</summary>
    public long Spilled => Interlocked.Read(ref _spilledCount);

    /// <summary>Hits refused so far (the endpoint answered 503).</summary>
    public long Refused => Interlocked.Read(ref _refusedCount);

    /// <summary>Hits waiting in memory.</summary>
    public int Depth => _channel.Reader.Count;

    /// <summary>The spill journal.</summary>
    public TrackingSpill Spill => _spill;

    internal ChannelReader<HitRecord> Reader => _channel.Reader;

    /// <summary>Queues a hit in memory when there is room; false (nothing queued, nothing counted) when it is full.</summary>
    public bool TryEnqueue(HitRecord hit)
    {
        ArgumentNullException.ThrowIfNull(hit);
        if (!_channel.Writer.TryWrite(hit))
        {
            return false;
        }

        Accepted(hit);
        return true;
    }

    /// <summary>Queues a hit in memory, or when that is full writes it to the spill journal; completes at once unless it
    /// is spilled. False when it was refused (answer 503 with Retry-After <see cref="TrackingSpill.RetryAfter"/>).</summary>
    public ValueTask<bool> EnqueueAsync(HitRecord hit)
    {
        ArgumentNullException.ThrowIfNull(hit);
        if (_channel.Writer.TryWrite(hit))
        {
            Accepted(hit);
            return ValueTask.FromResult(true);
        }

        var spilled = _spill.AppendAsync(hit);
        return spilled.IsCompletedSuccessfully ? ValueTask.FromResult(Counted(hit, spilled.Result)) : SpillAsync(hit, spilled);
    }

    /// <summary>Takes no more hits in memory (those that come later go to the spill journal until it closes): the writer
    /// drains what is queued and stops.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private async ValueTask<bool> SpillAsync(HitRecord hit, ValueTask<SpillOutcome> spilled) => Counted(hit, await spilled.ConfigureAwait(false));

    private bool Counted(HitRecord hit, SpillOutcome outcome)
    {
        var kind = new KeyValuePair<string, object?>("kind", Kinds[(int)hit.Kind]);
        if (outcome == SpillOutcome.Written)
        {
            Interlocked.Increment(ref _spilledCount);
            _spilled.Add(1, kind);
            Accepted(hit);
            return true;
        }

        Interlocked.Increment(ref _refusedCount);
        _refused.Add(1, kind, new KeyValuePair<string, object?>("reason", outcome == SpillOutcome.Full ? "full" : "disk"));
        return false;
    }

    private void Accepted(HitRecord hit)
    {
        Interlocked.Increment(ref _enqueued);
        _hits.Add(1, new KeyValuePair<string, object?>("kind", Kinds[(int)hit.Kind]), new KeyValuePair<string, object?>("classification", hit.Machine ? "machine" : "human"));
    }

    private static readonly string[] Kinds = ["none", "open", "click", "unsubscribe", "form"];
}

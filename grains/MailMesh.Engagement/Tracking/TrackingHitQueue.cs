using System.Diagnostics.Metrics;
using System.Threading.Channels;

namespace MailMesh.Engagement.Tracking;

/// <summary>The bounded in-memory queue between the endpoints and the writer: endpoints answer as soon as the hit is in
/// it, so a burst never waits for a grain turn or a SQL write. When it is full a request waits up to
/// <see cref="TrackingListenerOptions.EnqueueTimeout"/> for room (back-pressure), then the hit is dropped and counted.</summary>
public sealed class TrackingHitQueue : IDisposable
{
    /// <summary>The meter of the tracking endpoints.</summary>
    public const string MeterName = "MailMesh.Engagement";

    private readonly Channel<HitRecord> _channel;
    private readonly TimeSpan _enqueueTimeout;
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _hits;
    private readonly Counter<long> _dropped;
    private long _enqueued;
    private long _droppedCount;

    /// <summary>A queue of <see cref="TrackingListenerOptions.QueueCapacity"/> hits.</summary>
    public TrackingHitQueue(Microsoft.Extensions.Options.IOptions<TrackingListenerOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _channel = Channel.CreateBounded<HitRecord>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
            AllowSynchronousContinuations = false,
        });
        _enqueueTimeout = options.Value.EnqueueTimeout;
        _hits = _meter.CreateCounter<long>("mailmesh.tracking.hits", "{hit}", "Hits on the public tracking endpoints, by kind and classification.");
        _dropped = _meter.CreateCounter<long>("mailmesh.tracking.hits.dropped", "{hit}", "Hits dropped because the queue stayed full.");
        _meter.CreateObservableGauge("mailmesh.tracking.queue.depth", () => (long)_channel.Reader.Count, "{hit}", "Hits waiting for the writer.");
    }

    /// <summary>Hits accepted so far.</summary>
    public long Enqueued => Interlocked.Read(ref _enqueued);

    /// <summary>Hits dropped so far (queue full past the timeout, or the writer stopped).</summary>
    public long Dropped => Interlocked.Read(ref _droppedCount);

    /// <summary>Hits waiting.</summary>
    public int Depth => _channel.Reader.Count;

    internal ChannelReader<HitRecord> Reader => _channel.Reader;

    /// <summary>Queues a hit when the queue has room; false (nothing queued, nothing counted) when it is full.</summary>
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

    /// <summary>Queues a hit; completes at once unless the queue is full. Returns false when it was dropped.</summary>
    public ValueTask<bool> EnqueueAsync(HitRecord hit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hit);
        if (_channel.Writer.TryWrite(hit))
        {
            Accepted(hit);
            return ValueTask.FromResult(true);
        }

        return WaitAsync(hit, cancellationToken);
    }

    /// <summary>Takes no more hits: the writer drains what is queued and stops.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private async ValueTask<bool> WaitAsync(HitRecord hit, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_enqueueTimeout);
        try
        {
            await _channel.Writer.WriteAsync(hit, timeout.Token).ConfigureAwait(false);
            Accepted(hit);
            return true;
        }
        catch (OperationCanceledException)
        {
            Drop(hit);
            return false;
        }
        catch (ChannelClosedException)
        {
            Drop(hit);
            return false;
        }
    }

    private void Accepted(HitRecord hit)
    {
        Interlocked.Increment(ref _enqueued);
        _hits.Add(1, new KeyValuePair<string, object?>("kind", Kinds[(int)hit.Kind]), new KeyValuePair<string, object?>("classification", hit.Machine ? "machine" : "human"));
    }

    private void Drop(HitRecord hit)
    {
        Interlocked.Increment(ref _droppedCount);
        _dropped.Add(1, new KeyValuePair<string, object?>("kind", Kinds[(int)hit.Kind]));
    }

    private static readonly string[] Kinds = ["none", "open", "click", "unsubscribe", "form"];
}

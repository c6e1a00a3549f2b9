using Microsoft.Extensions.Logging;

namespace MailMesh.Engagement.Tracking;

/// <summary>The writer leaves the cores to the endpoints during a burst (docs/adr/engagement-07-writer-yields-during-a-burst.md):
/// a hit costs the writer several times the CPU of the request that brought it, so while hits arrive faster than
/// <see cref="TrackingWriterOptions.YieldAbove"/> a writer that has caught up waits, and the hits wait in the memory queue
/// (and past it in the spill journal, as they would if the writer were slower). It resumes when arrivals slow down, after
/// <see cref="TrackingWriterOptions.YieldLimit"/>, when the writer stops, or when the queue could refuse hits; a backlog
/// stored afterwards reaches each contact with several hits per grain turn, which costs less per hit.</summary>
public sealed partial class TrackingWriter
{
    /// <summary>How often a yielding writer looks at the arrivals, and the shortest span it measures a rate over.</summary>
    public static readonly TimeSpan YieldWindow = TimeSpan.FromMilliseconds(100);

    /// <summary>Windows in a row with arrivals below the rate that end a yield: on a loaded machine the endpoints
    /// themselves may get no CPU for a window in the middle of a burst.</summary>
    internal const int QuietWindows = 3;

    private long _markHits;
    private long _markTime;
    private bool _mayYield = true;
    private int _yielding;

    /// <summary>Whether the writer is waiting for a burst to end.</summary>
    public bool IsYielding => Volatile.Read(ref _yielding) == 1;

    /// <summary>Completes at the writer's next step: a batch done, or a look at the arrivals while it yields (tests).</summary>
    internal Task NextStep
    {
        get
        {
            lock (_gate)
            {
                return _progress.Task;
            }
        }
    }

    /// <summary>Whether hits arrived faster than <see cref="TrackingWriterOptions.YieldAbove"/> since the last look
    /// (over <see cref="YieldWindow"/> at least, so a few hits at once are not a burst); starts the next span.</summary>
    private bool ArrivingFast()
    {
        var hits = queue.Enqueued;
        var elapsed = time.GetElapsedTime(_markTime);
        var arrived = hits - _markHits;
        _markHits = hits;
        _markTime = time.GetTimestamp();
        var span = elapsed > YieldWindow ? elapsed : YieldWindow;
        return _writerOptions.YieldAbove > 0 && arrived >= _writerOptions.YieldAbove * span.TotalSeconds;
    }

    /// <summary>Whether the queue can take what arrives while the writer waits: the memory queue has room, or (with
    /// <see cref="TrackingWriterOptions.YieldWhileSpilling"/>) the spill journal is on, less than half full and has refused
    /// nothing since <paramref name="refused"/> was read.</summary>
    private bool QueueCanHold(long refused)
    {
        if (queue.Refused != refused)
        {
            return false;
        }

        if (queue.Depth < _options.QueueCapacity / 4 * 3)
        {
            return true;
        }

        return _writerOptions.YieldWhileSpilling && _options.SpillLimitBytes > 0 && queue.Spill.Bytes < _options.SpillLimitBytes / 2;
    }

    /// <summary>Waits, a <see cref="YieldWindow"/> at a time, until arrivals slow down (<see cref="QuietWindows"/> windows in
    /// a row), the queue could no longer hold them,
    /// the writer stops or <see cref="TrackingWriterOptions.YieldLimit"/> passes; after the last two it works until it has
    /// caught up before it yields again.</summary>
    private async Task YieldAsync()
    {
        var started = time.GetTimestamp();
        var (enqueued, refused) = (queue.Enqueued, queue.Refused);
        Volatile.Write(ref _yielding, 1);
        Progressed(busy: false);
        var quiet = 0;
        try
        {
            while (true)
            {
                try
                {
                    await Task.Delay(YieldWindow, time, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                quiet = ArrivingFast() ? 0 : quiet + 1;
                if (quiet == QuietWindows)
                {
                    return;
                }

                if (time.GetElapsedTime(started) >= _writerOptions.YieldLimit || !QueueCanHold(refused))
                {
                    _mayYield = false;
                    return;
                }

                Progressed(busy: false);
            }
        }
        finally
        {
            Volatile.Write(ref _yielding, 0);
            Yielded(logger, time.GetElapsedTime(started), queue.Enqueued - enqueued, queue.Depth, queue.Spill.Hits);
        }
    }

    /// <summary>Marks the writer busy or not and wakes whoever waits for its next step.</summary>
    private void Progressed(bool busy)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            _busy = busy ? 1 : 0;
            done = _progress;
            _progress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        done.TrySetResult();
    }

    [LoggerMessage(EventId = 9021, Level = LogLevel.Debug,
        Message = "Tracking writer yielded to the endpoints for {Elapsed} while {Arrived} hits arrived; {Memory} wait in memory and {Spilled} in the spill journal")]
    private static partial void Yielded(ILogger logger, TimeSpan elapsed, long arrived, int memory, long spilled);
}

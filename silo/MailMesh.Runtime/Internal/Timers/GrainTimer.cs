using MailMesh.Runtime.Internal.Activation;
using MailMesh.Runtime.Internal.Scheduling;

namespace MailMesh.Runtime.Internal.Timers;

/// <summary>A timer of one activation: each tick is queued as a turn; the next tick is armed when the callback has
/// finished. Disposed by the grain or at deactivation.</summary>
internal sealed class GrainTimer : IDisposable
{
    private readonly ActivationData _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private readonly TimeSpan _dueTime;
    private readonly TimeSpan _period;
    private readonly CancellationTokenSource _stopped = new();
    private readonly ITimer _timer;
    private int _disposed;

    public GrainTimer(ActivationData activation, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime), dueTime, "The due time must not be negative.");
        }

        if (period <= TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, "The period must be positive, or Timeout.InfiniteTimeSpan for one tick.");
        }

        _activation = activation;
        _callback = callback;
        _dueTime = dueTime;
        _period = period;
        using (ExecutionContext.SuppressFlow())
        {
            _timer = activation.Runtime.TimeProvider.CreateTimer(static s => ((GrainTimer)s!).OnTick(), this,
                Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public void Start() => _timer.Change(_dueTime, Timeout.InfiniteTimeSpan);

    private void OnTick()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        if (!_activation.Scheduler.TryEnqueue(new SystemTurn(_activation.GrainId, "timer", _ => RunAsync(), keepsAlive: false)))
        {
            Dispose();
        }
    }

    private async Task RunAsync()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            await _callback(_stopped.Token);
        }
        catch (Exception e)
        {
            _activation.Runtime.Log.TimerCallbackFailed(_activation.GrainId, e);
        }
        finally
        {
            if (Volatile.Read(ref _disposed) == 0 && _period != Timeout.InfiniteTimeSpan)
            {
                _timer.Change(_period, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopped.Cancel();
        _timer.Dispose();
        _activation.RemoveTimer(this);
    }
}

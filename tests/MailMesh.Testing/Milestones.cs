namespace MailMesh.Testing;

/// <summary>A value that only rises, and tasks that complete when it reaches a mark: lets a test wait on what a decorated
/// store or fake has seen (puts made, attempts refused, a cursor stored) without polling.</summary>
public sealed class Milestones
{
    private readonly Lock _lock = new();
    private readonly List<(long Mark, TaskCompletionSource Reached)> _waiters = [];
    private long _value;

    /// <summary>The highest value reached so far.</summary>
    public long Value
    {
        get
        {
            lock (_lock)
            {
                return _value;
            }
        }
    }

    /// <summary>Adds one and completes the waits it reaches.</summary>
    public void Increment()
    {
        lock (_lock)
        {
            Reach(_value + 1);
        }
    }

    /// <summary>Raises the value to <paramref name="value"/> if it is higher and completes the waits it reaches.</summary>
    public void RaiseTo(long value)
    {
        lock (_lock)
        {
            Reach(Math.Max(_value, value));
        }
    }

    /// <summary>Completes once the value is at least <paramref name="mark"/> (at once if it already is).</summary>
    public Task WhenAtLeast(long mark)
    {
        lock (_lock)
        {
            if (_value >= mark)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((mark, reached));
            return reached.Task;
        }
    }

    private void Reach(long value)
    {
        _value = value;
        for (var i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_waiters[i].Mark <= value)
            {
                _waiters[i].Reached.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }
}

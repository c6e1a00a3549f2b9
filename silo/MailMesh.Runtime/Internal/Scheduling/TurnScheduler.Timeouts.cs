namespace MailMesh.Runtime.Internal.Scheduling;

/// <summary>A turn with a deadline (a grain call).</summary>
internal interface ITimedTurn
{
    bool IsExpired(long timestamp);

    void TimeOut(string detail);

    /// <summary>Keeps the turn from being reused while a timeout sweep holds it.</summary>
    void AddRef();

    /// <summary>Drops the sweep's hold.</summary>
    void Release();
}

internal sealed partial class TurnScheduler
{
    /// <summary>Adds the queued and running turns whose deadline has passed, with why they have not finished; each is
    /// held (<see cref="ITimedTurn.AddRef"/>) until the caller has timed it out and released it.</summary>
    public void CollectExpired(long now, List<(ITimedTurn Turn, string Detail)> expired)
    {
        // Nearly every activation of a large silo has nothing queued or running: the sweep passes it without the lock.
        // The counts, read without it, can miss a turn that has just arrived; the next sweep looks at that turn, a
        // fraction of any call timeout later.
        if (_running.Count == 0 && _requests.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            foreach (var turn in _running)
            {
                if (turn is ITimedTurn timed && !turn.IsCompleted && timed.IsExpired(now))
                {
                    timed.AddRef();
                    expired.Add((timed, "the grain was still running it"));
                }
            }

            var position = 0;
            foreach (var turn in _requests)
            {
                position++;
                if (turn is ITimedTurn timed && !turn.IsCompleted && timed.IsExpired(now))
                {
                    timed.AddRef();
                    expired.Add((timed, $"it was still queued ({position} in line) behind {DescribeRunning()}"));
                }
            }
        }
    }

    private string DescribeRunning()
    {
        if (_running.Count == 0)
        {
            return _exclusive is null ? "nothing" : _exclusive.Name;
        }

        return string.Join(", ", _running.Select(t => t.Name)) +
               " (a non-reentrant grain runs one call at a time; a call cycle between grains ends here)";
    }
}

using MailMesh.Runtime.Internal.Activation;

namespace MailMesh.Runtime.Internal.Scheduling;

/// <summary>The scheduler of one activation. It is the <see cref="SynchronizationContext"/> under which the grain's
/// code runs, so every continuation after an <c>await</c> comes back here, and a thread-pool work item that drains
/// its queues. At most one thread runs an activation at a time; which turns may overlap at their awaits is decided
/// by <see cref="CanStart"/> (non-reentrant by default).</summary>
internal sealed partial class TurnScheduler : SynchronizationContext, IThreadPoolWorkItem
{
    private readonly Lock _lock = new();
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _continuations = new();
    private readonly Queue<Turn> _requests = new();
    private readonly List<Turn> _running = new(2);
    private readonly ActivationData _activation;
    private readonly bool _reentrant;
    private readonly int _batchSize;
    private Turn? _exclusive;
    private (Turn Turn, bool DrainQueue)? _nextExclusive;
    private bool _exclusiveDrainsQueue;
    private bool _exclusiveRunning;
    private int _runningBlocking;
    private Turn? _blockingTurn;
    private int _runningReadOnly;
    private bool _scheduled;
    private bool _closed;

    public TurnScheduler(ActivationData activation, bool reentrant, int batchSize, Turn activationTurn)
    {
        _activation = activation;
        _reentrant = reentrant;
        _batchSize = batchSize;
        _exclusive = activationTurn;
    }

    /// <summary>The one running turn that excludes every other (a non-interleaving turn of a non-reentrant grain, or
    /// an exclusive turn); null when none. Read on the activation's thread only.</summary>
    public Turn? BlockingTurn => _blockingTurn;

    /// <summary>Calls queued and not yet started (for the queue-depth gauge).</summary>
    public int QueuedCount
    {
        get
        {
            lock (_lock)
            {
                return _requests.Count;
            }
        }
    }

    /// <summary>Whether <paramref name="turn"/> may run alongside other turns (so its grain code cannot find its chain
    /// link through <see cref="BlockingTurn"/>).</summary>
    public bool MayInterleave(Turn turn) => _reentrant || turn.IsAlwaysInterleave || turn.IsReadOnly;

    /// <summary>Queues a turn; false when the activation is closed (the caller finds the grain's new activation).</summary>
    public bool TryEnqueue(Turn turn)
    {
        bool schedule;
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            _requests.Enqueue(turn);
            schedule = !_scheduled && CanRunSomething();
            _scheduled |= schedule;
        }

        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        return true;
    }

    /// <summary>Runs <paramref name="turn"/> alone once the running turns have finished: activation and deactivation.
    /// With <paramref name="drainQueue"/>, queued turns run first. False when the activation is closed, the condition
    /// (evaluated under the lock) is false, or another exclusive turn is pending (unless <paramref name="afterPending"/>,
    /// which queues it behind that one).</summary>
    public bool TrySetExclusive(Turn turn, bool drainQueue, Func<bool>? condition = null, bool afterPending = false)
    {
        bool schedule;
        lock (_lock)
        {
            if (_closed || (condition is not null && !condition()))
            {
                return false;
            }

            if (_exclusive is not null)
            {
                if (afterPending && _nextExclusive is null)
                {
                    _nextExclusive = (turn, drainQueue);
                    return true;
                }

                return false;
            }

            _exclusive = turn;
            _exclusiveDrainsQueue = drainQueue;
            schedule = !_scheduled && CanRunSomething();
            _scheduled |= schedule;
        }

        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        return true;
    }

    /// <summary>Whether no turn that counts as activity (anything but a timer tick) is queued or running; only valid
    /// under the lock (inside a <see cref="TrySetExclusive"/> condition).</summary>
    public bool IsIdleUnderLock()
    {
        if (_closed || _exclusive is not null)
        {
            return false;
        }

        foreach (var turn in _running)
        {
            if (turn.KeepsAlive)
            {
                return false;
            }
        }

        foreach (var turn in _requests)
        {
            if (turn.KeepsAlive && !turn.IsCompleted)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Stops taking turns and returns the ones still queued.</summary>
    public List<Turn> Close()
    {
        lock (_lock)
        {
            _closed = true;
            var rest = new List<Turn>(_requests.Count);
            while (_requests.Count > 0)
            {
                var turn = _requests.Dequeue();
                if (!turn.IsCompleted)
                {
                    rest.Add(turn);
                }
            }

            return rest;
        }
    }

    /// <inheritdoc />
    public override void Post(SendOrPostCallback d, object? state)
    {
        bool schedule;
        lock (_lock)
        {
            _continuations.Enqueue((d, state));
            schedule = !_scheduled;
            _scheduled = true;
        }

        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }

    /// <inheritdoc />
    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Grain code cannot block on its own activation (Send); await instead.");

    /// <inheritdoc />
    public override SynchronizationContext CreateCopy() => this;

    /// <summary>Called on the activation's thread when a turn has finished.</summary>
    public void TurnEnded(Turn turn)
    {
        bool schedule;
        lock (_lock)
        {
            _running.Remove(turn);
            if (ReferenceEquals(turn, _blockingTurn))
            {
                _blockingTurn = null;
            }

            if (ReferenceEquals(turn, _exclusive))
            {
                _exclusive = null;
                _exclusiveRunning = false;
                if (_nextExclusive is { } next && !_closed)
                {
                    (_exclusive, _exclusiveDrainsQueue) = next;
                }

                _nextExclusive = null;
            }
            else if (turn.IsAlwaysInterleave)
            {
                // Interleaving turns block nothing.
            }
            else if (turn.IsReadOnly && !_reentrant)
            {
                _runningReadOnly--;
            }
            else if (!_reentrant)
            {
                _runningBlocking--;
            }

            if (turn.KeepsAlive)
            {
                _activation.Touch();
            }

            schedule = !_scheduled && CanRunSomething();
            _scheduled |= schedule;
        }

        if (schedule)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }

        turn.OnLeftScheduler();
    }

    /// <inheritdoc />
    public void Execute()
    {
        CompletionBatch.Enter();
        var previous = Current;
        SetSynchronizationContext(this);
        var drained = false;
        try
        {
            for (var i = 0; i < _batchSize; i++)
            {
                SendOrPostCallback? callback = null;
                object? state = null;
                Turn? turn;
                lock (_lock)
                {
                    if (_continuations.Count > 0)
                    {
                        (callback, state) = _continuations.Dequeue();
                        turn = null;
                    }
                    else if (!TryTakeTurn(out turn))
                    {
                        // Nothing may run now: whoever makes something runnable schedules this again.
                        _scheduled = false;
                        drained = true;
                        break;
                    }
                }

                if (callback is not null)
                {
                    RunContinuation(callback, state);
                }
                else
                {
                    turn!.Start(_activation);
                }

                if (CompletionBatch.HasPending)
                {
                    // Answer callers now, outside this activation's context: a caller's next call can then join this
                    // very batch instead of waiting for another thread-pool dispatch.
                    SetSynchronizationContext(previous);
                    CompletionBatch.Flush();
                    SetSynchronizationContext(this);
                }
            }
        }
        finally
        {
            SetSynchronizationContext(previous);
            var again = false;
            if (!drained)
            {
                lock (_lock)
                {
                    again = CanRunSomething();
                    _scheduled = again;
                }
            }

            if (again)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }

            CompletionBatch.Exit();
        }
    }

    private void RunContinuation(SendOrPostCallback callback, object? state)
    {
        try
        {
            callback(state);
        }
        catch (Exception e)
        {
            // Only 'async void' grain code gets here: the exception has no caller to go to.
            _activation.Runtime.Log.UnhandledGrainException(_activation.GrainId, e);
        }
    }

    private bool CanRunSomething()
    {
        if (_continuations.Count > 0)
        {
            return true;
        }

        if (_exclusive is not null)
        {
            if (_exclusiveRunning)
            {
                return false;
            }

            if (ExclusiveMayStart())
            {
                return true;
            }

            if (!_exclusiveDrainsQueue)
            {
                return false;
            }
        }

        while (_requests.Count > 0 && _requests.Peek().IsCompleted)
        {
            _requests.Dequeue();
        }

        return _requests.Count > 0 && !_closed && CanStart(_requests.Peek());
    }

    private bool ExclusiveMayStart() =>
        _running.Count == 0 && (!_exclusiveDrainsQueue || _requests.Count == 0);

    private bool TryTakeTurn(out Turn? turn)
    {
        turn = null;
        if (_exclusive is not null)
        {
            if (!_exclusiveRunning && ExclusiveMayStart())
            {
                _exclusiveRunning = true;
                turn = _exclusive;
                _blockingTurn = turn;
                _running.Add(turn);
                return true;
            }

            if (!_exclusiveDrainsQueue || _exclusiveRunning)
            {
                return false;
            }
        }

        while (_requests.Count > 0)
        {
            var head = _requests.Peek();
            if (head.IsCompleted)
            {
                _requests.Dequeue();
                continue;
            }

            if (_closed || !CanStart(head))
            {
                return false;
            }

            turn = _requests.Dequeue();
            _running.Add(turn);
            if (turn.IsAlwaysInterleave)
            {
                // counts for nothing
            }
            else if (turn.IsReadOnly && !_reentrant)
            {
                _runningReadOnly++;
            }
            else if (!_reentrant)
            {
                _runningBlocking++;
                _blockingTurn = turn;
            }

            return true;
        }

        return false;
    }

    private bool CanStart(Turn turn)
    {
        if (_exclusiveRunning)
        {
            return false;
        }

        if (_reentrant || turn.IsAlwaysInterleave)
        {
            return true;
        }

        return turn.IsReadOnly ? _runningBlocking == 0 : _runningBlocking == 0 && _runningReadOnly == 0;
    }
}

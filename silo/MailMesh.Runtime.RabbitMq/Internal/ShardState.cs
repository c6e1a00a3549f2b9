namespace MailMesh.Runtime.RabbitMq.Internal;

/// <summary>One shard as this silo sees it: whether it consumes the shard's queue, whether its consumer has proven
/// to be the active one (a delivery arrived), the turns in flight, and deliveries held back during a hand-over.</summary>
internal sealed class ShardState(int number, string queue)
{
    private readonly Lock _lock = new();
    private readonly List<ulong> _held = [];
    private int _inFlight;
    private TaskCompletionSource? _idle;

    public int Number { get; } = number;

    public string Queue { get; } = queue;

    /// <summary>The consumer tag while this silo consumes the queue.</summary>
    public string? ConsumerTag { get; set; }

    /// <summary>Calls to this shard's grains run here directly: the consumer is the queue's active one.</summary>
    public volatile bool ActiveHere;

    public bool Draining { get; private set; }

    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>Counts a delivery in; false (and holds it for the hand-over) while draining.</summary>
    public bool TryEnter(ulong deliveryTag)
    {
        lock (_lock)
        {
            if (Draining)
            {
                _held.Add(deliveryTag);
                return false;
            }

            _inFlight++;
            ActiveHere = true;
            return true;
        }
    }

    /// <summary>Counts in a call that another shard's delivery carried here: only while this silo is the proven active
    /// consumer of this shard and no hand-over started, so a hand-over waits for it (and deactivates its grain after
    /// it) and no carried call starts once the hand-over began.</summary>
    public bool TryEnterCarried()
    {
        lock (_lock)
        {
            if (Draining || !ActiveHere)
            {
                return false;
            }

            _inFlight++;
            return true;
        }
    }

    public void Exit()
    {
        lock (_lock)
        {
            if (--_inFlight == 0 && Draining)
            {
                _idle?.TrySetResult();
            }
        }
    }

    /// <summary>Stops taking deliveries; completes when the running ones finished.</summary>
    public Task BeginDrain()
    {
        lock (_lock)
        {
            Draining = true;
            ActiveHere = false;
            _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inFlight == 0)
            {
                _idle.TrySetResult();
            }

            return _idle.Task;
        }
    }

    /// <summary>Ends a hand-over: returns the deliveries held back (to be requeued) and takes deliveries again.</summary>
    public ulong[] EndDrain()
    {
        lock (_lock)
        {
            var held = _held.ToArray();
            _held.Clear();
            Draining = false;
            _idle = null;
            return held;
        }
    }
}

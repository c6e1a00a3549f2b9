using System.Collections.Concurrent;
using MailMesh.Runtime.Invocation;
using MailMesh.Runtime.Internal.Scheduling;

namespace MailMesh.Runtime.Internal.Activation;

/// <summary>The activation table of the silo: at most one activation per grain, created by the first call, removed
/// when it ends; calls that reach an ending activation go to its successor.</summary>
internal sealed class Catalog
{
    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private readonly SiloRuntime _runtime;
    private readonly GrainTypeRegistry _types;

    public Catalog(SiloRuntime runtime, GrainTypeRegistry types)
    {
        _runtime = runtime;
        _types = types;
    }

    public int Count => _activations.Count;

    public ICollection<ActivationData> Activations => _activations.Values;

    public bool IsReentrant(GrainId grain) => _types.Find(grain.Type)?.IsReentrant ?? false;

    /// <summary>Queues a call made through <paramref name="reference"/>: on the activation the reference's previous call
    /// went to while that one still takes turns (no table lookup), otherwise as <see cref="Dispatch(GrainId, Turn)"/>.</summary>
    public void Dispatch(GrainReference reference, Turn turn)
    {
        if (reference.InvokerCache is ActivationData cached && ReferenceEquals(cached.Runtime, _runtime) &&
            cached.GrainId == reference.GrainId && cached.Scheduler.TryEnqueue(turn))
        {
            return;
        }

        reference.InvokerCache = Dispatch(reference.GrainId, turn);
    }

    /// <summary>Queues <paramref name="turn"/> on the grain's activation, creating it when there is none; returns the
    /// activation that took it.</summary>
    /// <exception cref="SiloUnavailableException">The silo is stopping and the grain is not active.</exception>
    public ActivationData Dispatch(GrainId grain, Turn turn)
    {
        while (true)
        {
            if (!_activations.TryGetValue(grain, out var activation))
            {
                _runtime.EnsureMayActivate(grain);
                var classInfo = _types.Get(grain.Type);
                activation = _activations.GetOrAdd(grain, static (id, state) => new ActivationData(id, state.ClassInfo, state.Runtime),
                    (ClassInfo: classInfo, Runtime: _runtime));
            }

            if (activation.Scheduler.TryEnqueue(turn))
            {
                return activation;
            }

            // It has just ended: drop it from the table (unless a successor is there already) and try again.
            _activations.TryRemove(KeyValuePair.Create(grain, activation));
        }
    }

    public void Remove(ActivationData activation) =>
        _activations.TryRemove(KeyValuePair.Create(activation.GrainId, activation));

    /// <summary>An activation has deactivated; calls that were queued on it go to a new activation.</summary>
    public void OnDeactivated(ActivationData activation, List<Turn> queued)
    {
        Remove(activation);
        foreach (var turn in queued)
        {
            if (!turn.KeepsAlive)
            {
                // A timer tick belongs to the activation that ended; it must not start a new one.
                continue;
            }

            try
            {
                Dispatch(activation.GrainId, turn);
            }
            catch (Exception e)
            {
                turn.Reject(e);
            }
        }
    }

    /// <summary>Deactivates activations that have been idle for the configured time.</summary>
    public void CollectIdle()
    {
        var now = _runtime.TimeProvider.GetTimestamp();
        var idleTicks = (long)(_runtime.Options.IdleTimeout.TotalSeconds * _runtime.TimeProvider.TimestampFrequency);
        var reason = new DeactivationReason(DeactivationReasonCode.IdleTimeout,
            $"no call for {_runtime.Options.IdleTimeout.TotalMinutes:0.##} min");
        // The dictionary's own enumerator, not Values: Values takes every lock of the table (stopping activations and
        // deactivations meanwhile) and copies all activations into a new list, each sweep.
        foreach (var (_, activation) in _activations)
        {
            if (activation.Status != ActivationStatus.Valid || now - Volatile.Read(ref activation.LastActive) < idleTicks)
            {
                continue;
            }

            activation.RequestDeactivation(reason, drainQueue: false,
                () => activation.Scheduler.IsIdleUnderLock() && now - activation.LastActive >= idleTicks);
        }
    }

    /// <summary>Times out the calls whose deadline has passed.</summary>
    public void CheckTimeouts(List<(ITimedTurn Turn, string Detail)> buffer)
    {
        var now = _runtime.TimeProvider.GetTimestamp();
        // Four times a second over every activation: the lock-free enumerator, not a locked copy (see CollectIdle).
        foreach (var (_, activation) in _activations)
        {
            activation.Scheduler.CollectExpired(now, buffer);
        }

        foreach (var (turn, detail) in buffer)
        {
            try
            {
                turn.TimeOut(detail);
            }
            finally
            {
                turn.Release();
            }
        }

        buffer.Clear();
    }
}

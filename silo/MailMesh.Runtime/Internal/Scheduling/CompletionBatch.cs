namespace MailMesh.Runtime.Internal.Scheduling;

/// <summary>Something whose waiters are woken after the current batch of an activation has released it, so a
/// caller's continuation that runs inline never runs while holding the activation.</summary>
internal interface IDeferredSignal
{
    void Signal();
}

/// <summary>Collects the answers produced during one scheduler batch and signals them at its end.</summary>
internal static class CompletionBatch
{
    [ThreadStatic]
    private static List<IDeferredSignal>? t_pending;

    [ThreadStatic]
    private static int t_depth;

    public static void Enter()
    {
        t_depth++;
        t_pending ??= new List<IDeferredSignal>(16);
    }

    /// <summary>Signals now, or at the end of the current batch when one is running on this thread.</summary>
    public static void SignalOrDefer(IDeferredSignal signal)
    {
        if (t_depth > 0)
        {
            t_pending!.Add(signal);
        }
        else
        {
            signal.Signal();
        }
    }

    public static void Exit()
    {
        if (--t_depth > 0)
        {
            return;
        }

        var pending = t_pending!;
        if (pending.Count == 0)
        {
            return;
        }

        // Signalling may run a caller's continuation inline; anything it signals goes out directly (depth is 0),
        // and a batch it might start would get a list of its own.
        t_pending = null;
        for (var i = 0; i < pending.Count; i++)
        {
            pending[i].Signal();
        }

        pending.Clear();
        t_pending ??= pending;
    }
}

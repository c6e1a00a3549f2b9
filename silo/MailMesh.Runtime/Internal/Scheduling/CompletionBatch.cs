namespace MailMesh.Runtime.Internal.Scheduling;

/// <summary>Something whose waiters are woken outside the activation's context, so a caller's continuation that
/// runs inline never runs as grain code of the activation that answered it.</summary>
internal interface IDeferredSignal
{
    void Signal();
}

/// <summary>Collects the answers produced while a scheduler batch runs grain code; the scheduler signals them
/// between work items with its context removed.</summary>
internal static class CompletionBatch
{
    [ThreadStatic]
    private static List<IDeferredSignal>? t_pending;

    [ThreadStatic]
    private static int t_depth;

    /// <summary>Whether answers are waiting to be signalled on this thread.</summary>
    public static bool HasPending => t_pending is { Count: > 0 };

    public static void Enter()
    {
        t_depth++;
        t_pending ??= new List<IDeferredSignal>(16);
    }

    /// <summary>Signals now, or later in the current batch when one is running on this thread.</summary>
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
        Flush();
        t_depth--;
    }

    /// <summary>Signals the answers collected so far.</summary>
    public static void Flush()
    {
        var pending = t_pending;
        if (pending is null || pending.Count == 0)
        {
            return;
        }

        // Signalling may run a caller's continuation inline: whatever it signals goes out directly (depth 0), and a
        // batch it might start gets a list of its own.
        var depth = t_depth;
        t_depth = 0;
        t_pending = null;
        for (var i = 0; i < pending.Count; i++)
        {
            pending[i].Signal();
        }

        pending.Clear();
        t_pending ??= pending;
        t_depth = depth;
    }
}

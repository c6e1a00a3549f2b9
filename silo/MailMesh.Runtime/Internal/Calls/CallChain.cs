using MailMesh.Runtime.Internal.Scheduling;
using MailMesh.Runtime.Invocation;

namespace MailMesh.Runtime.Internal.Calls;

/// <summary>One link of the chain of grain turns a call is made from: the grain, what it runs, and the turn that
/// called it. Every <see cref="Scheduling.Turn"/> is a link. Grain code finds its own link through its activation's
/// scheduler (the one turn that may run there) or, for turns that may interleave, an <see cref="AsyncLocal{T}"/>
/// that flows with the turn's async control flow.</summary>
internal class CallChain
{
    private static readonly AsyncLocal<CallChain?> CurrentLocal = new();

    public CallChain(GrainId grain, string method, bool isReadOnly, CallChain? caller)
    {
        Grain = grain;
        Method = method;
        IsReadOnly = isReadOnly;
        Caller = caller;
    }

    /// <summary>The chain of the turn running on this async flow; null outside grains.</summary>
    public static CallChain? Current => CurrentLocal.Value ?? (SynchronizationContext.Current as TurnScheduler)?.BlockingTurn;

    /// <summary>Sets the link of an interleaving turn for its async flow (null to clear on the worker thread).</summary>
    public static void SetInterleaved(CallChain? link) => CurrentLocal.Value = link;

    public GrainId Grain { get; private protected set; }

    public string Method { get; private protected set; }

    public bool IsReadOnly { get; private protected set; }

    public CallChain? Caller { get; private protected set; }

    /// <summary>A call made from this link holds it until that call is released (a pooled link is reused only when
    /// no later call can still walk the chain through it).</summary>
    public virtual void AddRef()
    {
    }

    /// <summary>Drops a hold taken by <see cref="AddRef"/>.</summary>
    public virtual void Release()
    {
    }

    /// <summary>The link of <paramref name="grain"/> in this chain that a call of <paramref name="method"/> to it
    /// would wait on forever; null when there is none.</summary>
    public CallChain? FindBlockingLink(GrainId grain, GrainMethodInfo method)
    {
        for (var link = this; link is not null; link = link.Caller)
        {
            if (link.Grain == grain && !(method.IsReadOnly && link.IsReadOnly))
            {
                return link;
            }
        }

        return null;
    }

    /// <summary>The chain, first caller first, ending with the new call.</summary>
    public List<string> Describe(GrainId target, string method)
    {
        var links = new List<string>();
        for (var link = this; link is not null; link = link.Caller)
        {
            links.Add($"{link.Grain}.{link.Method}");
        }

        links.Reverse();
        links.Add($"{target}.{method}");
        return links;
    }
}

using MailMesh.Runtime.Internal.Activation;
using MailMesh.Runtime.Internal.Calls;

namespace MailMesh.Runtime.Internal.Scheduling;

/// <summary>A unit of work for an activation: a grain call, a timer or reminder tick, activation or deactivation.
/// Started on the activation's scheduler; reports its end through <see cref="TurnScheduler.TurnEnded"/>.</summary>
internal abstract class Turn : CallChain
{
    protected Turn(GrainId grain, string method, bool isReadOnly, CallChain? caller)
        : base(grain, method, isReadOnly, caller)
    {
    }

    /// <summary>May run alongside anything (except exclusive turns).</summary>
    public virtual bool IsAlwaysInterleave => false;

    /// <summary>Whether finishing it counts as activity for idle deactivation (timer ticks do not).</summary>
    public virtual bool KeepsAlive => true;

    /// <summary>Already answered (timed out): skip it.</summary>
    public virtual bool IsCompleted => false;

    /// <summary>What it is, for messages: <c>IFoo.Bar</c>, <c>timer</c>, …</summary>
    public abstract string Name { get; }

    /// <summary>Starts the turn on the activation's thread (the scheduler's context is current).</summary>
    public abstract void Start(ActivationData activation);

    /// <summary>The scheduler is done with the turn (it has ended and left every queue).</summary>
    public virtual void OnLeftScheduler()
    {
    }

    /// <summary>The turn will never run (the activation failed or the silo stopped): answer the caller.</summary>
    public abstract void Reject(Exception error);
}

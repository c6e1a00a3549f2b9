using MailMesh.Runtime.Internal.Persistence;
using MailMesh.Runtime.Internal.Scheduling;
using MailMesh.Runtime.Internal.Timers;
using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime.Internal.Activation;

/// <summary>Where an activation is in its life.</summary>
internal enum ActivationStatus
{
    Activating,
    Valid,
    Deactivating,
    Invalid,
    Failed,
}

/// <summary>One activation of a grain on this silo: the grain object, its scheduler, states, pending events and
/// timers. Its first turn activates it; an exclusive deactivation turn ends it.</summary>
internal sealed partial class ActivationData
{
    [ThreadStatic]
    private static ActivationData? t_constructing;

    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _timersLock = new();
    private List<GrainTimer>? _timers;

    public ActivationData(GrainId grainId, GrainClassInfo classInfo, SiloRuntime runtime)
    {
        GrainId = grainId;
        ClassInfo = classInfo;
        Runtime = runtime;
        Scheduler = new TurnScheduler(this, classInfo.IsReentrant, runtime.Options.MaxWorkItemsPerBatch,
            new SystemTurn(grainId, "OnActivateAsync", static a => a.ActivateAsync()));
        LastActive = runtime.TimeProvider.GetTimestamp();
    }

    /// <summary>The activation whose grain object is being constructed on this thread (read by <see cref="Grain"/>).</summary>
    public static ActivationData? Constructing => t_constructing;

    public GrainId GrainId { get; }

    public GrainClassInfo ClassInfo { get; }

    public SiloRuntime Runtime { get; }

    public TurnScheduler Scheduler { get; }

    public object? Instance { get; private set; }

    public volatile ActivationStatus Status;

    /// <summary>Timestamp of the end of the last turn; written under the scheduler's lock.</summary>
    public long LastActive;

    /// <summary>Events raised since the last successful state write (touched only by the grain's turns).</summary>
    public List<EventDraft> PendingEvents { get; } = [];

    public List<IStateHandle> States { get; } = [];

    /// <summary>Completes when the activation has ended (deactivated or failed).</summary>
    public Task Ended => _ended.Task;

    public void Touch() => LastActive = Runtime.TimeProvider.GetTimestamp();

    private async Task ActivateAsync()
    {
        try
        {
            t_constructing = this;
            try
            {
                Instance = ClassInfo.Create(this, Runtime.Services);
            }
            finally
            {
                t_constructing = null;
            }

            foreach (var state in States)
            {
                await state.ReadAsync(Runtime.StoppingToken);
            }

            if (Instance is Grain grain)
            {
                await grain.OnActivateAsync(Runtime.StoppingToken);
            }

            Status = ActivationStatus.Valid;
            Runtime.Log.Activated(GrainId);
        }
        catch (Exception e)
        {
            Status = ActivationStatus.Failed;
            StopTimers();
            var error = new GrainActivationException(GrainId, DescribeFailure(e), e);
            Runtime.Log.ActivationFailed(GrainId, error.Reason, e);
            var queued = Scheduler.Close();
            Runtime.Catalog.Remove(this);
            foreach (var turn in queued)
            {
                turn.Reject(error);
            }

            _ended.TrySetResult();
        }
    }

    private static string DescribeFailure(Exception e) => e switch
    {
        StateReadException read => read.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    /// <summary>Asks for deactivation once the running turns are done (and, with <paramref name="drainQueue"/>, the
    /// queued ones too). False when the activation is already ending or <paramref name="condition"/> is false.</summary>
    public bool RequestDeactivation(DeactivationReason reason, bool drainQueue, Func<bool>? condition = null, bool afterPending = false) =>
        Scheduler.TrySetExclusive(new SystemTurn(GrainId, "OnDeactivateAsync", a => a.DeactivateAsync(reason)), drainQueue, condition, afterPending);

    private async Task DeactivateAsync(DeactivationReason reason)
    {
        if (Status != ActivationStatus.Valid)
        {
            return;
        }

        Status = ActivationStatus.Deactivating;
        StopTimers();
        if (Instance is Grain grain)
        {
            try
            {
                await grain.OnDeactivateAsync(reason, CancellationToken.None);
            }
            catch (Exception e)
            {
                Runtime.Log.DeactivationHookFailed(GrainId, e);
            }
        }

        if (Runtime.Options.PersistChangedStateOnDeactivate)
        {
            foreach (var state in States)
            {
                try
                {
                    await state.PersistIfChangedAsync(CancellationToken.None);
                }
                catch (Exception e)
                {
                    Runtime.Log.PersistOnDeactivateFailed(GrainId, state.Name, e);
                }
            }
        }

        Status = ActivationStatus.Invalid;
        Runtime.Log.Deactivated(GrainId, reason.ToString());
        var queued = Scheduler.Close();
        Runtime.Catalog.OnDeactivated(this, queued);
        _ended.TrySetResult();
    }

    public IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        if (Status is not (ActivationStatus.Valid or ActivationStatus.Activating))
        {
            throw new InvalidOperationException($"{GrainId} is deactivating; it cannot start timers.");
        }

        var timer = new GrainTimer(this, callback, dueTime, period);
        lock (_timersLock)
        {
            (_timers ??= []).Add(timer);
        }

        timer.Start();
        return timer;
    }

    public void RemoveTimer(GrainTimer timer)
    {
        lock (_timersLock)
        {
            _timers?.Remove(timer);
        }
    }

    private void StopTimers()
    {
        GrainTimer[] timers;
        lock (_timersLock)
        {
            timers = _timers?.ToArray() ?? [];
        }

        foreach (var timer in timers)
        {
            timer.Dispose();
        }
    }
}

using System.Runtime.CompilerServices;
using MailMesh.Runtime.Internal.Activation;

namespace MailMesh.Runtime.Internal.Scheduling;

/// <summary>A turn the runtime runs itself: activation, deactivation, a timer or reminder tick.</summary>
internal sealed class SystemTurn : Turn
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Func<ActivationData, Task> _body;
    private readonly Action<Exception>? _onRejected;
    private ActivationData? _activation;
    private ConfiguredTaskAwaitable.ConfiguredTaskAwaiter _awaiter;

    public SystemTurn(GrainId grain, string name, Func<ActivationData, Task> body, Action<Exception>? onRejected = null, bool keepsAlive = true)
        : base(grain, name, isReadOnly: false, caller: null)
    {
        KeepsAlive = keepsAlive;
        Name = name;
        _body = body;
        _onRejected = onRejected;
    }

    public override string Name { get; }

    public override bool KeepsAlive { get; }

    /// <summary>Completes when the turn has run (faults are handled by the body itself).</summary>
    public Task Completion => _done.Task;

    public override void Start(ActivationData activation)
    {
        _activation = activation;
        try
        {
            var task = _body(activation);
            if (task.IsCompleted)
            {
                End(task);
            }
            else
            {
                _awaiter = task.ConfigureAwait(true).GetAwaiter();
                _awaiter.UnsafeOnCompleted(() => End(task));
            }
        }
        catch (Exception e)
        {
            activation.Runtime.Log.SystemTurnFailed(activation.GrainId, Name, e);
            activation.Scheduler.TurnEnded(this);
            _done.TrySetResult();
        }
    }

    private void End(Task task)
    {
        if (task.Exception is { } error)
        {
            _activation!.Runtime.Log.SystemTurnFailed(_activation.GrainId, Name, error.GetBaseException());
        }

        _activation!.Scheduler.TurnEnded(this);
        _done.TrySetResult();
    }

    public override void Reject(Exception error)
    {
        _onRejected?.Invoke(error);
        _done.TrySetResult();
    }
}

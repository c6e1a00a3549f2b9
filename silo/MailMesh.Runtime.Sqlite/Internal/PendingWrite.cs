namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>A write waiting for the writer loop. It runs at most once: either the loop starts it, or its
/// caller's cancellation wins and it never runs.</summary>
internal abstract class PendingWrite
{
    private const int Queued = 0;
    private const int Started = 1;
    private const int Cancelled = 2;
    private int _state;

    protected PendingWrite(string operation) => Operation = operation;

    /// <summary>What the write does, for error messages ("writing state 's' of T/acme/x").</summary>
    public string Operation { get; }

    /// <summary>Claims the write for execution; false when its caller cancelled it first.</summary>
    public bool TryStart() => Interlocked.CompareExchange(ref _state, Started, Queued) == Queued;

    /// <summary>Withdraws a write that has not started; false when it already runs.</summary>
    protected bool TryWithdraw() => Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued;

    /// <summary>Runs the write's statements inside the open transaction.</summary>
    public abstract void Execute(WriterConnection writer);

    /// <summary>Reports success after the commit.</summary>
    public abstract void Succeed();

    /// <summary>Reports the write's own failure, or the failure of the transaction that carried it.</summary>
    public abstract void Fail(Exception error);
}

internal sealed class PendingWrite<TState, TResult> : PendingWrite
{
    private readonly TState _state;
    private readonly Func<WriterConnection, TState, TResult> _work;
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration _registration;
    private TResult? _result;

    public PendingWrite(string operation, TState state, Func<WriterConnection, TState, TResult> work, CancellationToken cancellationToken)
        : base(operation)
    {
        _state = state;
        _work = work;
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static (self, token) =>
            {
                var write = (PendingWrite<TState, TResult>)self!;
                if (write.TryWithdraw())
                {
                    write._completion.TrySetCanceled(token);
                }
            }, this);
        }
    }

    public Task<TResult> Task => _completion.Task;

    public override void Execute(WriterConnection writer) => _result = _work(writer, _state);

    public override void Succeed()
    {
        _registration.Dispose();
        _completion.TrySetResult(_result!);
    }

    public override void Fail(Exception error)
    {
        _registration.Dispose();
        _completion.TrySetException(error);
    }
}

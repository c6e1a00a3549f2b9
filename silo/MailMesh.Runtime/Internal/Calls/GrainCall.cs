using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using MailMesh.Runtime.Internal.Activation;
using MailMesh.Runtime.Internal.Scheduling;
using MailMesh.Runtime.Invocation;

namespace MailMesh.Runtime.Internal.Calls;

/// <summary>A grain call in flight: the queued turn on the callee's side and the promise the caller awaits.
/// Answered exactly once: by the grain, by a timeout, or by a rejection.</summary>
internal sealed class GrainCall<TResult> : Turn, ITimedTurn, IValueTaskSource<TResult>, IValueTaskSource, IDeferredSignal
{
    private readonly GrainRequest<TResult> _request;
    private readonly long _deadline;
    private readonly TimeSpan _timeout;
    private ManualResetValueTaskSourceCore<TResult> _promise;
    private ActivationData? _activation;
    private ConfiguredValueTaskAwaitable<TResult>.ConfiguredValueTaskAwaiter _awaiter;
    private Action? _onInvokeCompleted;
    private TResult? _result;
    private Exception? _error;
    private int _answered;

    public GrainCall(GrainRequest<TResult> request, GrainId target, CallChain? caller, long deadline, TimeSpan timeout)
        : base(target, request.Method.Name, request.Method.IsReadOnly, caller)
    {
        _request = request;
        _deadline = deadline;
        _timeout = timeout;
    }

    public override bool IsAlwaysInterleave => _request.Method.IsAlwaysInterleave;

    public override bool IsCompleted => Volatile.Read(ref _answered) != 0;

    public override string Name => _request.Method.DisplayName;

    public short Version => _promise.Version;

    public override void Start(ActivationData activation)
    {
        if (IsCompleted)
        {
            activation.Scheduler.TurnEnded(this);
            return;
        }

        _activation = activation;
        var interleaves = activation.Scheduler.MayInterleave(this);
        if (interleaves)
        {
            SetInterleaved(this);
        }

        try
        {
            var pending = _request.InvokeAsync(activation.Instance!);
            if (pending.IsCompleted)
            {
                Finish(pending);
            }
            else
            {
                // Not ConfigureAwait(false): the rest of the turn belongs on the activation's scheduler.
                _awaiter = pending.ConfigureAwait(true).GetAwaiter();
                _awaiter.UnsafeOnCompleted(_onInvokeCompleted ??= OnInvokeCompleted);
            }
        }
        catch (Exception e)
        {
            Fail(e);
            activation.Scheduler.TurnEnded(this);
        }
        finally
        {
            if (interleaves)
            {
                SetInterleaved(null);
            }
        }
    }

    private void Finish(ValueTask<TResult> completed)
    {
        try
        {
            Answer(completed.Result);
        }
        catch (Exception e)
        {
            Fail(e);
        }

        _activation!.Scheduler.TurnEnded(this);
    }

    private void OnInvokeCompleted()
    {
        try
        {
            Answer(_awaiter.GetResult());
        }
        catch (Exception e)
        {
            Fail(e);
        }

        _awaiter = default;
        _activation!.Scheduler.TurnEnded(this);
    }

    private void Answer(TResult result)
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            return;
        }

        try
        {
            _result = _activation!.Runtime.Copier.Copy(result);
        }
        catch (Exception e)
        {
            _error = new InvalidOperationException(
                $"The result of {Grain}.{_request.Method.Name} cannot cross the grain call boundary: {e.Message}", e);
        }

        CompletionBatch.SignalOrDefer(this);
    }

    private void Fail(Exception error)
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            return;
        }

        _error = _activation is null ? error : _activation.Runtime.ExceptionCopier.Copy(error);
        CompletionBatch.SignalOrDefer(this);
    }

    public override void Reject(Exception error)
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            return;
        }

        _error = error;
        CompletionBatch.SignalOrDefer(this);
    }

    public bool IsExpired(long timestamp) => timestamp >= _deadline;

    public void TimeOut(string detail) => Reject(new GrainCallTimeoutException(Grain, _request.Method.Name, _timeout, detail));

    void IDeferredSignal.Signal()
    {
        if (_error is not null)
        {
            _promise.SetException(_error);
        }
        else
        {
            _promise.SetResult(_result!);
        }
    }

    public TResult GetResult(short token) => _promise.GetResult(token);

    void IValueTaskSource.GetResult(short token) => _promise.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _promise.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _promise.OnCompleted(continuation, state, token, flags);
}

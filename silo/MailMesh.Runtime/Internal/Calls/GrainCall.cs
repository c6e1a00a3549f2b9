using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using MailMesh.Runtime.Diagnostics;
using MailMesh.Runtime.Internal.Activation;
using MailMesh.Runtime.Internal.Scheduling;
using MailMesh.Runtime.Invocation;

namespace MailMesh.Runtime.Internal.Calls;

/// <summary>A grain call in flight: the queued turn on the callee's side and the promise the caller awaits.
/// Answered exactly once: by the grain, by a timeout, or by a rejection.</summary>
/// <remarks>Calls are pooled per thread. A call is reused only after every holder let go: the caller (it read the
/// answer), the scheduler (the turn ended and left its queues), each call made from its turn (they are links of
/// its chain), and a timeout sweep that caught it. A call whose turn may interleave is never reused: its link has
/// flowed into an <see cref="AsyncLocal{T}"/> that may outlive the turn. Anything off the happy path (never awaited,
/// rejected while queued) is simply left to the garbage collector.</remarks>
internal sealed class GrainCall<TResult> : Turn, ITimedTurn, IValueTaskSource<TResult>, IValueTaskSource, IDeferredSignal
{
    private const int PoolSize = 32;

    [ThreadStatic]
    private static GrainCall<TResult>[]? t_pool;

    [ThreadStatic]
    private static int t_pooled;

    private GrainRequest<TResult> _request;
    private long _deadline;
    private TimeSpan _timeout;
    private ManualResetValueTaskSourceCore<TResult> _promise;
    private ActivationData? _activation;
    private ConfiguredValueTaskAwaitable<TResult>.ConfiguredValueTaskAwaiter _awaiter;
    private Action? _onInvokeCompleted;
    private TResult? _result;
    private Exception? _error;
    private int _answered;
    private int _holds;
    private int _callerDone;
    private int _schedulerDone;
    private bool _reusable;
    private ActivityContext _traceParent;
    private Activity? _activity;
    private long _startedAt;
    private string? _deliveredMessage;

    private GrainCall(GrainRequest<TResult> request, GrainId target, CallChain? caller, long deadline, TimeSpan timeout)
        : base(target, request.Method.Name, request.Method.IsReadOnly, caller)
    {
        _request = request;
        Initialize(request, deadline, timeout);
    }

    /// <summary>A call from this thread's pool, or a new one.</summary>
    public static GrainCall<TResult> Rent(GrainRequest<TResult> request, GrainId target, CallChain? caller, long deadline, TimeSpan timeout)
    {
        var pool = t_pool;
        if (pool is not null && t_pooled > 0)
        {
            var index = --t_pooled;
            var call = pool[index];
            pool[index] = null!;
            call.Grain = target;
            call.Method = request.Method.Name;
            call.IsReadOnly = request.Method.IsReadOnly;
            call.Caller = caller;
            call.Initialize(request, deadline, timeout);
            return call;
        }

        return new GrainCall<TResult>(request, target, caller, deadline, timeout);
    }

    private void Initialize(GrainRequest<TResult> request, long deadline, TimeSpan timeout)
    {
        _request = request;
        _deadline = deadline;
        _timeout = timeout;
        _answered = 0;
        _callerDone = 0;
        _schedulerDone = 0;
        _reusable = true;
        Volatile.Write(ref _holds, 2); // the caller and the scheduler
        _traceParent = GrainDiagnostics.CaptureParent();
        _startedAt = 0;
        _deliveredMessage = null;
        Caller?.AddRef();
    }

    public override void AddRef() => Interlocked.Increment(ref _holds);

    public override void Release()
    {
        if (Interlocked.Decrement(ref _holds) != 0)
        {
            return;
        }

        var caller = Caller;
        if (_reusable)
        {
            Caller = null;
            _request = null!;
            _activation = null;
            _result = default;
            _error = null;
            _awaiter = default;
            _promise.Reset();
            var pool = t_pool ??= new GrainCall<TResult>[PoolSize];
            if (t_pooled < PoolSize)
            {
                pool[t_pooled++] = this;
            }
        }

        caller?.Release();
    }

    public override void OnLeftScheduler()
    {
        if (Interlocked.Exchange(ref _schedulerDone, 1) == 0)
        {
            Release();
        }
    }

    public override bool IsAlwaysInterleave => _request.Method.IsAlwaysInterleave;

    public override bool IsCompleted => Volatile.Read(ref _answered) != 0;

    public override string Name => _request.Method.DisplayName;

    public short Version => _promise.Version;

    /// <summary>Marks the call as a cluster message delivered to this silo: its turn runs with
    /// <see cref="DeliveredMessage.CurrentId"/> set, so the state writes it makes record the message id.</summary>
    public void SetDeliveredMessage(string? messageId) => _deliveredMessage = messageId;

    public override void Start(ActivationData activation)
    {
        if (IsCompleted)
        {
            activation.Scheduler.TurnEnded(this);
            return;
        }

        _activation = activation;
        Activity? previousActivity = null;
        if (GrainDiagnostics.IsEnabled)
        {
            // The span is current while the grain method runs up to its first await; the async method carries it on.
            previousActivity = Activity.Current;
            _activity = GrainDiagnostics.StartTurn(Grain, Name, _traceParent, out _startedAt);
        }

        var interleaves = activation.Scheduler.MayInterleave(this);
        if (interleaves)
        {
            _reusable = false;
            SetInterleaved(this);
        }

        // Only delivered turns carry a message id; any other turn clears one its thread may still hold.
        var previousMessage = DeliveredMessage.CurrentId;
        var setsMessage = _deliveredMessage is not null || previousMessage is not null;
        if (setsMessage)
        {
            DeliveredMessage.SetCurrent(_deliveredMessage);
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

            if (setsMessage)
            {
                DeliveredMessage.SetCurrent(previousMessage);
            }

            if (_startedAt != 0)
            {
                Activity.Current = previousActivity;
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

        EndTelemetry(null);

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

        EndTelemetry(error);

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

    private void EndTelemetry(Exception? error)
    {
        if (_startedAt != 0)
        {
            GrainDiagnostics.EndTurn(Grain, _activity, _startedAt, error);
            _activity = null;
        }
    }

    public bool IsExpired(long timestamp) => timestamp >= _deadline;

    public void TimeOut(string detail)
    {
        GrainDiagnostics.TimedOut(Grain);
        Reject(new GrainCallTimeoutException(Grain, _request.Method.Name, _timeout, detail));
    }

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

    public TResult GetResult(short token)
    {
        if (token != _promise.Version || _promise.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            // Not this caller's answer (stale token, or not answered yet): the core throws and nothing is released.
            return _promise.GetResult(token);
        }

        try
        {
            return _promise.GetResult(token);
        }
        finally
        {
            if (Interlocked.Exchange(ref _callerDone, 1) == 0)
            {
                Release();
            }
        }
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _promise.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _promise.OnCompleted(continuation, state, token, flags);
}

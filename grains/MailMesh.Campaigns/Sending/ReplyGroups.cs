using MailMesh.Protocols.Smtp;

namespace MailMesh.Campaigns.Sending;

/// <summary>Gathers the relay's replies to a claimed batch on the threads that finish its submissions, and hands them to
/// the worker grain in groups: a group is ready once every reply is in, or <c>interval</c> after its first reply. The
/// grain's turn resumes once per group, where a continuation of its own per message used to post to its scheduler
/// (docs/adr/campaigns-22-reply-groups.md).</summary>
/// <param name="expected">How many submissions will finish here.</param>
/// <param name="time">The clock of the flush interval.</param>
/// <param name="interval">Longest a reply already in waits for the rest before its group is handed over.</param>
/// <param name="map">Turns a finished submission and its state into a reply, on the finishing thread; null for a
/// cancellation (<see cref="IsCancellation"/>).</param>
internal sealed class ReplyGroups<TReply>(int expected, TimeProvider time, TimeSpan interval, Func<Task<SubmissionResult>, object?, TReply?> map)
    : ISubmissionReceiver, IDisposable
    where TReply : class
{
    private readonly Lock _lock = new();
    private List<TReply> _arrived = [];
    private int _outstanding = expected;
    private bool _groupOpen;
    private long _firstArrival;
    private ITimer? _timer;
    private bool _due;
    private Exception? _error;
    private TaskCompletionSource<List<TReply>>? _waiter;
    private bool _disposed;

    /// <summary>Whether a reply is still to come or to be taken.</summary>
    public bool HasMore
    {
        get
        {
            lock (_lock)
            {
                return _outstanding > 0 || _groupOpen;
            }
        }
    }

    /// <summary>Whether a finished submission was cancelled before its outcome was known.</summary>
    public static bool IsCancellation(Task<SubmissionResult> submission) =>
        submission.IsCanceled || (submission.IsFaulted && submission.Exception!.InnerException is OperationCanceledException);

    /// <summary>The next group of replies, once it is ready. A cancelled submission fails the wait for its group with its
    /// cancellation (the batch ends there, as an awaited submission's would).</summary>
    public Task<List<TReply>> NextAsync()
    {
        lock (_lock)
        {
            if (_waiter is not null)
            {
                throw new InvalidOperationException("The last group of replies is still awaited.");
            }

            if (IsReady())
            {
                return TakeUnderLock(out var error) is { } group ? Task.FromResult(group) : Task.FromException<List<TReply>>(error!);
            }

            _waiter = new TaskCompletionSource<List<TReply>>(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task;
        }
    }

    /// <inheritdoc />
    public void Received(Task<SubmissionResult> submission, object? state)
    {
        var reply = map(submission, state);
        Exception? cancelled = null;
        if (reply is null)
        {
            cancelled = submission.IsCanceled ? new TaskCanceledException(submission) : submission.Exception?.InnerException ?? new OperationCanceledException();
        }

        TaskCompletionSource<List<TReply>>? waiter;
        List<TReply>? group;
        Exception? error;
        lock (_lock)
        {
            _outstanding--;
            if (reply is not null)
            {
                _arrived.Add(reply);
            }
            else
            {
                _error ??= cancelled;
            }

            if (!_groupOpen)
            {
                // The first reply of a group: the rest have the interval to join it.
                _groupOpen = true;
                _firstArrival = time.GetTimestamp();
                if (_outstanding > 0)
                {
                    Arm(interval);
                }
            }

            (waiter, group) = ReleaseIfReadyUnderLock(out error);
        }

        Complete(waiter, group, error);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void OnTimer()
    {
        TaskCompletionSource<List<TReply>>? waiter;
        List<TReply>? group;
        Exception? error;
        lock (_lock)
        {
            if (!_groupOpen)
            {
                return;
            }

            // A tick armed for an earlier group may come late: the current group waits its own interval out.
            var waited = time.GetElapsedTime(_firstArrival);
            if (waited < interval)
            {
                Arm(interval - waited);
                return;
            }

            _due = true;
            (waiter, group) = ReleaseIfReadyUnderLock(out error);
        }

        Complete(waiter, group, error);
    }

    private bool IsReady() => _groupOpen && (_outstanding == 0 || _due);

    private (TaskCompletionSource<List<TReply>>? Waiter, List<TReply>? Group) ReleaseIfReadyUnderLock(out Exception? error)
    {
        error = null;
        if (_waiter is null || !IsReady())
        {
            return (null, null);
        }

        var waiter = _waiter;
        _waiter = null;
        return (waiter, TakeUnderLock(out error));
    }

    /// <summary>Takes the ready group (or the cancellation that ends the batch) and stops its timer.</summary>
    private List<TReply>? TakeUnderLock(out Exception? error)
    {
        _groupOpen = false;
        _due = false;
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        error = _error;
        if (error is not null)
        {
            return null;
        }

        var group = _arrived;
        _arrived = [];
        return group;
    }

    private void Arm(TimeSpan due)
    {
        if (_disposed)
        {
            return;
        }

        if (_timer is null)
        {
            _timer = time.CreateTimer(static s => ((ReplyGroups<TReply>)s!).OnTimer(), this, due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private static void Complete(TaskCompletionSource<List<TReply>>? waiter, List<TReply>? group, Exception? error)
    {
        if (waiter is null)
        {
            return;
        }

        if (group is not null)
        {
            waiter.SetResult(group);
        }
        else
        {
            waiter.SetException(error!);
        }
    }
}

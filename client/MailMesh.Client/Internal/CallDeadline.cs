namespace MailMesh.Client.Internal;

/// <summary>The cancellation of one call: the caller's token plus the call's timeout.</summary>
internal sealed class CallDeadline : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;
    private readonly TimeProvider _timeProvider;
    private readonly DateTimeOffset? _deadline;

    public CallDeadline(TimeSpan? timeout, TimeProvider timeProvider, CancellationToken callerToken)
    {
        _timeProvider = timeProvider;
        CallerToken = callerToken;
        _timeout = timeout is { } t && t < TimeSpan.FromDays(30)
            ? new CancellationTokenSource(t < TimeSpan.Zero ? TimeSpan.Zero : t, timeProvider)
            : new CancellationTokenSource();
        if (timeout is { } limit && limit < TimeSpan.FromDays(30))
        {
            _deadline = timeProvider.GetUtcNow() + limit;
        }

        _linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, _timeout.Token);
    }

    public CancellationToken Token => _linked.Token;

    public CancellationToken CallerToken { get; }

    public bool Expired => _timeout.IsCancellationRequested && !CallerToken.IsCancellationRequested;

    public bool CallerCancelled => CallerToken.IsCancellationRequested;

    /// <summary>Time left, or null without a deadline.</summary>
    public TimeSpan? Remaining()
    {
        if (_deadline is not { } deadline)
        {
            return null;
        }

        var left = deadline - _timeProvider.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}

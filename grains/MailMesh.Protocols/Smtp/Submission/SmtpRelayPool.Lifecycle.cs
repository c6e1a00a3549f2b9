using Microsoft.Extensions.Logging;

namespace MailMesh.Protocols.Smtp;

/// <summary>Taking, returning, sweeping and closing pooled sessions.</summary>
public sealed partial class SmtpRelayPool
{
    /// <summary>The most recently used idle session still fit for use; expired or broken ones are closed on the way.</summary>
    private PooledSession? TakeIdle()
    {
        while (true)
        {
            PooledSession? session;
            lock (_lock)
            {
                if (!_idle.TryPop(out session))
                {
                    return null;
                }
            }

            if (session.Client.State == SmtpSessionState.Ready && _time.GetUtcNow() - session.LastUsed < _options.IdleTimeout)
            {
                return session;
            }

            Discard(session);
        }
    }

    /// <summary>Back to the pool, or closed with QUIT when it has sent its share of messages or the pool is closing.</summary>
    private async Task ReturnAsync(PooledSession session)
    {
        if (session.Client.State != SmtpSessionState.Ready)
        {
            Discard(session);
            return;
        }

        if (session.Messages >= _options.MaxMessagesPerConnection || _disposed)
        {
            await QuitAsync(session).ConfigureAwait(false);
            return;
        }

        session.LastUsed = _time.GetUtcNow();
        lock (_lock)
        {
            if (!_disposed)
            {
                _idle.Push(session);
                return;
            }
        }

        await QuitAsync(session).ConfigureAwait(false);
    }

    private async Task QuitAsync(PooledSession session)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _time);
            await session.Client.QuitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SmtpProtocolException or SmtpCommandException or OperationCanceledException or InvalidOperationException)
        {
            PoolLog.QuitFailed(_logger, Relay, e.Message);
        }
        finally
        {
            Discard(session);
        }
    }

    /// <summary>Closes the connection without QUIT (once).</summary>
    private void Discard(PooledSession session)
    {
        if (session.Closed)
        {
            return;
        }

        session.Closed = true;
        session.Client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Interlocked.Decrement(ref _open);
    }

    /// <summary>Closes the sessions idle for longer than the idle timeout (the timer's callback).</summary>
    private void SweepIdle()
    {
        List<PooledSession> expired = [];
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_idle.Count == 0)
            {
                return;
            }

            var keep = _idle.Where(s => now - s.LastUsed < _options.IdleTimeout && s.Client.State == SmtpSessionState.Ready).Reverse().ToList();
            expired.AddRange(_idle.Where(s => !keep.Contains(s)));
            _idle.Clear();
            foreach (var session in keep)
            {
                _idle.Push(session);
            }
        }

        foreach (var session in expired)
        {
            PoolLog.IdleClosed(_logger, Relay, session.Messages);
            Discard(session);
        }
    }

    /// <summary>Closes every idle session (QUIT); sessions in use close when their message is done.</summary>
    public async ValueTask DisposeAsync()
    {
        List<PooledSession> idle;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }

        await _sweeper.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(idle.Select(QuitAsync)).ConfigureAwait(false);
    }
}

internal static partial class PoolLog
{
    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "SMTP relay {Relay}: new session (PIPELINING {Pipelining}, CHUNKING {Chunking})")]
    public static partial void Opened(ILogger logger, string relay, bool pipelining, bool chunking);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "SMTP relay {Relay}: could not open a session: {Reason}")]
    public static partial void OpenFailed(ILogger logger, string relay, string reason);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "SMTP relay {Relay}: a pooled session was closed by the relay ({Reason}); sending on a new one")]
    public static partial void StaleSession(ILogger logger, string relay, string reason);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Debug, Message = "SMTP relay {Relay}: QUIT failed: {Reason}")]
    public static partial void QuitFailed(ILogger logger, string relay, string reason);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Critical, Message = "SMTP relay {Relay}: a session runner failed; its submissions fail, the others go on")]
    public static partial void RunnerFailed(ILogger logger, string relay, Exception error);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Debug, Message = "SMTP relay {Relay}: idle session closed after {Messages} message(s)")]
    public static partial void IdleClosed(ILogger logger, string relay, int messages);
}

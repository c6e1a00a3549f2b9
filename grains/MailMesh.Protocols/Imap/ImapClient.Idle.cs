using System.Buffers;
using MailMesh.Protocols.Imap.Internal;

namespace MailMesh.Protocols.Imap;

/// <summary>IDLE (RFC 2177): wait for the server to push changes.</summary>
public sealed partial class ImapClient
{
    /// <summary>
    /// Runs IDLE on the selected mailbox until <paramref name="doneToken"/> fires, raising
    /// <see cref="MailboxChanged"/> for EXISTS, EXPUNGE, VANISHED and FETCH as they arrive. IDLE is ended
    /// with DONE and re-issued every <see cref="ImapClientOptions.IdleRefreshInterval"/>. When
    /// <paramref name="cancellationToken"/> fires, IDLE is ended the same orderly way and
    /// <see cref="OperationCanceledException"/> is thrown; the session stays usable either way.
    /// </summary>
    public async Task IdleAsync(CancellationToken doneToken, CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("IDLE", ImapSessionState.Selected);
        if (!Capabilities.Idle)
        {
            throw new NotSupportedException($"The IMAP server {_options.Host} does not support IDLE (RFC 2177); poll with NoopAsync instead.");
        }

        while (!await IdleOnceAsync(doneToken, cancellationToken).ConfigureAwait(false))
        {
            ImapLog.IdleRefreshed(_logger, Selected?.Name ?? string.Empty, _options.IdleRefreshInterval);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>One IDLE ... DONE round; returns true when the caller asked to stop, false to re-issue.</summary>
    private async Task<bool> IdleOnceAsync(CancellationToken doneToken, CancellationToken cancellationToken)
    {
        if (doneToken.IsCancellationRequested || cancellationToken.IsCancellationRequested)
        {
            return true;
        }

        var command = Command("IDLE").Atom("IDLE").Build();

        // Each phase gets its own response timeout: the wait itself has none, so a timer armed before a
        // 25-minute wait must not cancel the DONE that follows it.
        var timeout = new CancellationTokenSource(_options.CommandTimeout, _time);
        try
        {
            await SendAsync(command, timeout, timeout.Token).ConfigureAwait(false);
            await FlushAsync(timeout.Token).ConfigureAwait(false);
            while (await ReadResponseAsync(timeout.Token).ConfigureAwait(false) != ResponseKind.Continuation)
            {
                if (command.IsComplete)
                {
                    command.ThrowIfFailed();
                    return true;
                }
            }

            using var refresh = new CancellationTokenSource(_options.IdleRefreshInterval, _time);
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(doneToken, cancellationToken, refresh.Token);
            State = ImapSessionState.Idle;
            while (!wake.IsCancellationRequested && !command.IsComplete)
            {
                if (!await _reader!.WaitForDataAsync(wake.Token).ConfigureAwait(false))
                {
                    break;
                }

                timeout = Renew(timeout);
                await ReadResponseAsync(timeout.Token).ConfigureAwait(false);
            }

            if (!command.IsComplete)
            {
                timeout = Renew(timeout);
                _out.Write("DONE\r\n"u8);
                await FlushAsync(timeout.Token).ConfigureAwait(false);
                while (!command.IsComplete)
                {
                    await ReadResponseAsync(timeout.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            throw Break(e, timeout.IsCancellationRequested);
        }
        finally
        {
            timeout.Dispose();
            if (State == ImapSessionState.Idle)
            {
                State = ImapSessionState.Selected;
            }
        }

        command.ThrowIfFailed();
        return doneToken.IsCancellationRequested || cancellationToken.IsCancellationRequested;
    }

    private CancellationTokenSource Renew(CancellationTokenSource previous)
    {
        previous.Dispose();
        return new CancellationTokenSource(_options.CommandTimeout, _time);
    }
}

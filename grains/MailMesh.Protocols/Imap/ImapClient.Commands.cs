using System.Buffers;
using System.Globalization;
using System.Text;
using MailMesh.Protocols.Imap.Internal;

namespace MailMesh.Protocols.Imap;

/// <summary>The command engine: tags, pipelining, literals, continuations, completion.</summary>
public sealed partial class ImapClient
{
    private const int DirectLiteralThreshold = 64 * 1024;

    private ImapCommandBuilder Command(string name) =>
        new(name, Capabilities.LiteralPlus, _enabled.Contains("UTF8=ACCEPT"));

    /// <summary>Runs one command and throws <see cref="ImapCommandException"/> if the server refused it.</summary>
    private async Task<ImapCommand> ExecuteAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        await RunAsync([command], 1, cancellationToken).ConfigureAwait(false);
        command.ThrowIfFailed();
        return command;
    }

    /// <summary>
    /// Sends the commands with up to <paramref name="window"/> outstanding and reads until all completed.
    /// Transport and parse failures break the session; refusals are left in each command's status.
    /// </summary>
    private async Task RunAsync(IReadOnlyList<ImapCommand> commands, int window, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.CommandTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var token = linked.Token;
        var telemetry = StartCommandTelemetry(commands);
        try
        {
            var sent = 0;
            while (sent < commands.Count || _inflight.Count > 0)
            {
                while (sent < commands.Count && _inflight.Count < window)
                {
                    await SendAsync(commands[sent++], timeout, token).ConfigureAwait(false);
                }

                await FlushAsync(token).ConfigureAwait(false);
                if (_inflight.Count == 0)
                {
                    continue;
                }

                var kind = await ReadResponseAsync(token).ConfigureAwait(false);
                timeout.CancelAfter(_options.CommandTimeout);
                if (kind == ResponseKind.Continuation)
                {
                    await AnswerContinuationAsync(token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (telemetry.Failed(e))
        {
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Break(new OperationCanceledException(cancellationToken));
            throw;
        }
        catch (Exception e) when (IsTransportFailure(e))
        {
            throw Break(e, timeout.IsCancellationRequested);
        }
        catch (Exception e) when (e is not ImapCommandException)
        {
            // A caller's sink or event handler failed mid-response: the stream position is unknown.
            Break(e);
            throw;
        }

        telemetry.Complete(Outcome(commands));
        foreach (var command in commands)
        {
            ImapLog.CommandCompleted(_logger, command.Name, command.Status ?? ImapResponseStatus.Bad, command.Text);
        }
    }

    private async Task SendAsync(ImapCommand command, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        command.Tag = Encoding.ASCII.GetBytes("A" + (++_tagCounter).ToString("D4", CultureInfo.InvariantCulture));
        _inflight.Add(command);
        _out.Write(command.Tag);
        _out.Write(" "u8);
        foreach (var segment in command.Segments)
        {
            _out.Write(segment.Text);
            if (!segment.HasLiteral)
            {
                continue;
            }

            if (segment.Synchronizing)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
                if (!await WaitForContinuationAsync(command, timeout, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }

            if (segment.LiteralStream is { } source)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
                await CopyLiteralAsync(source, segment.LiteralLength, cancellationToken).ConfigureAwait(false);
            }
            else if (segment.Literal.Length > DirectLiteralThreshold)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
                await _stream!.WriteAsync(segment.Literal, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _out.Write(segment.Literal.Span);
            }
        }
    }

    /// <summary>Reads until the server invites the literal ("+") or completes the command instead (refusal).</summary>
    private async Task<bool> WaitForContinuationAsync(ImapCommand command, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        while (true)
        {
            var kind = await ReadResponseAsync(cancellationToken).ConfigureAwait(false);
            timeout.CancelAfter(_options.CommandTimeout);
            if (kind == ResponseKind.Continuation)
            {
                return true;
            }

            if (command.IsComplete)
            {
                return false;
            }
        }
    }

    private async Task CopyLiteralAsync(Stream source, long length, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            var remaining = length;
            while (remaining > 0)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new InvalidOperationException($"The message stream ended {remaining} bytes before the {length} bytes announced to the server; the session is broken.");
                }

                await _stream!.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                remaining -= read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task AnswerContinuationAsync(CancellationToken cancellationToken)
    {
        var waiting = _inflight.Count == 1 ? _inflight[0].OnContinuation : null;
        if (waiting is null)
        {
            throw ImapProtocolException.Malformed("the server sent a '+' continuation no command asked for");
        }

        await waiting(_continuationText ?? string.Empty, cancellationToken).ConfigureAwait(false);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_out.WrittenCount == 0)
        {
            return;
        }

        await _stream!.WriteAsync(_out.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _out.ResetWrittenCount();
    }

    private enum ResponseKind
    {
        Untagged,
        Continuation,
        Tagged,
    }

    private async ValueTask<ResponseKind> ReadResponseAsync(CancellationToken cancellationToken)
    {
        var reader = _reader!;
        var first = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        if (first.Kind == ImapTokenKind.Atom)
        {
            var bytes = reader.Bytes(first);
            if (bytes.Length == 1 && bytes[0] == (byte)'*')
            {
                await HandleUntaggedAsync(cancellationToken).ConfigureAwait(false);
                return ResponseKind.Untagged;
            }

            if (bytes.Length == 1 && bytes[0] == (byte)'+')
            {
                _continuationText = await reader.ReadTextAsync(cancellationToken).ConfigureAwait(false);
                return ResponseKind.Continuation;
            }

            var command = FindInflight(bytes);
            if (command is not null)
            {
                await CompleteAsync(command, cancellationToken).ConfigureAwait(false);
                return ResponseKind.Tagged;
            }
        }
        else if (first.Kind == ImapTokenKind.OpenBracket || first.Kind == ImapTokenKind.Eol)
        {
            throw ImapProtocolException.Malformed($"a response line starts with {first.Kind} instead of '*', '+' or a command tag");
        }

        var shown = first.Kind is ImapTokenKind.Atom or ImapTokenKind.QuotedString ? reader.GetString(first) : first.Kind.ToString();
        if (shown.Length > 40)
        {
            shown = shown[..40] + "...";
        }

        throw ImapProtocolException.Malformed($"a response line starts with '{shown}' instead of '*', '+' or the tag of a command in progress");
    }

    private ImapCommand? FindInflight(ReadOnlySpan<byte> tag)
    {
        foreach (var command in _inflight)
        {
            if (tag.SequenceEqual(command.Tag))
            {
                return command;
            }
        }

        return null;
    }

    private async ValueTask CompleteAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        var reader = _reader!;
        var statusToken = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        ImapResponseStatus status;
        if (reader.Is(statusToken, "OK"u8))
        {
            status = ImapResponseStatus.Ok;
        }
        else if (reader.Is(statusToken, "NO"u8))
        {
            status = ImapResponseStatus.No;
        }
        else if (reader.Is(statusToken, "BAD"u8))
        {
            status = ImapResponseStatus.Bad;
        }
        else
        {
            throw ImapProtocolException.Malformed($"the completion of {command.Name} has status '{(statusToken.IsString ? reader.GetString(statusToken) : statusToken.Kind.ToString())}' instead of OK, NO or BAD");
        }

        var code = await ReadResponseCodeAsync(cancellationToken).ConfigureAwait(false);
        var text = await reader.ReadTextAsync(cancellationToken).ConfigureAwait(false);
        _inflight.Remove(command);
        command.Complete(status, code, text);
        if (code is not null)
        {
            ApplyCode(code, text);
        }
    }
}

using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using MailMesh.Protocols.Internal;
using MailMesh.Protocols.Pop3.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailMesh.Protocols.Pop3;

/// <summary>
/// One POP3 connection (RFC 1939 with CAPA, UIDL, TOP, STLS, SASL, PIPELINING). Calls must not overlap.
/// A refused command throws <see cref="Pop3CommandException"/> and the session stays usable; anything
/// that leaves the session unusable throws <see cref="Pop3ProtocolException"/> and moves it to
/// <see cref="Pop3SessionState.Broken"/> (messages marked for deletion are then NOT deleted: only
/// <see cref="QuitAsync"/> commits deletions).
/// </summary>
public sealed partial class Pop3Client : IAsyncDisposable
{
    private readonly Pop3ClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private Socket? _socket;
    private Stream? _stream;
    private Pop3Reader? _reader;
    private readonly CommandGate _gate = new();
    private string _continuation = string.Empty;

    /// <summary>Creates a client; nothing happens on the network until <see cref="ConnectAsync"/>.</summary>
    public Pop3Client(Pop3ClientOptions options, ILogger<Pop3Client>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = options.TimeProvider;
    }

    /// <summary>The session state.</summary>
    public Pop3SessionState State { get; private set; }

    /// <summary>The CAPA reply (refreshed after STLS and after login).</summary>
    public Pop3Capabilities Capabilities { get; private set; } = Pop3Capabilities.None;

    /// <summary>The greeting text after +OK.</summary>
    public string? Greeting { get; private set; }

    /// <summary>Why the session broke, when <see cref="State"/> is <see cref="Pop3SessionState.Broken"/>.</summary>
    public Pop3ProtocolException? BreakReason { get; private set; }

    /// <summary>The negotiated TLS protocol, or null on a clear-text connection.</summary>
    public SslProtocols? TlsProtocol => (_stream as System.Net.Security.SslStream)?.SslProtocol;

    /// <summary>
    /// Closes the connection. Without a prior <see cref="QuitAsync"/> the server does not enter the
    /// UPDATE state, so messages marked with DELE stay in the maildrop.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        CloseTransport();
        if (State != Pop3SessionState.Broken)
        {
            State = Pop3SessionState.Disconnected;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Marks the session broken, closes the transport and returns the exception to throw.</summary>
    internal Pop3ProtocolException Break(Exception reason, bool timedOut = false)
    {
        var where = $"{_options.Host}:{_options.EffectivePort}";
        var exception = reason switch
        {
            Pop3ProtocolException protocol => protocol,
            OperationCanceledException when timedOut => new Pop3ProtocolException(
                ProtocolFailureKind.Timeout, $"The POP3 server {where} did not respond within {_options.CommandTimeout}.", reason),
            OperationCanceledException => new Pop3ProtocolException(
                ProtocolFailureKind.Cancelled, "A POP3 command was cancelled while in flight; the connection was closed.", reason),
            EndOfStreamException => new Pop3ProtocolException(
                ProtocolFailureKind.Network, $"The POP3 server {where} closed the connection unexpectedly.", reason),
            AuthenticationException => new Pop3ProtocolException(ProtocolFailureKind.Tls, reason.Message, reason),
            TimeoutException => new Pop3ProtocolException(ProtocolFailureKind.Timeout, reason.Message, reason),
            _ => new Pop3ProtocolException(ProtocolFailureKind.Network, $"The connection to the POP3 server {where} failed: {reason.Message}", reason),
        };

        if (State != Pop3SessionState.Broken)
        {
            Pop3Log.Broken(_logger, _options.Host, exception.Kind, exception.Message, reason);
        }

        State = Pop3SessionState.Broken;
        BreakReason = exception;
        CloseTransport();
        return exception;
    }

    private void CloseTransport()
    {
        EndSessionTelemetry();
        _stream?.Dispose();
        _socket?.Dispose();
        _stream = null;
        _socket = null;
        _reader = null;
    }

    private static bool IsTransportFailure(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or AuthenticationException or TimeoutException
            or OperationCanceledException or Pop3ProtocolException;

    private CommandGate.Releaser BeginOperation(string command, params Pop3SessionState[] allowed) =>
        _gate.Enter(nameof(Pop3Client), "POP3", command, State, allowed, Pop3SessionState.Broken, BreakReason);

    /// <summary>Runs I/O with the command timeout; transport and parse failures break the session.</summary>
    private async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> body, CancellationToken cancellationToken, TimeSpan? limit = null, string? command = null)
    {
        using var timeout = new CancellationTokenSource(limit ?? _options.CommandTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var telemetry = StartCommandTelemetry(command);
        try
        {
            var result = await body(linked.Token).ConfigureAwait(false);
            telemetry.Complete("ok");
            return result;
        }
        catch (Exception e) when (telemetry.Failed(e, refused: e is Pop3CommandException))
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
        catch (Exception e) when (e is not Pop3CommandException and not ArgumentException)
        {
            // A caller's sink failed mid-response: the stream position is unknown.
            Break(e);
            throw;
        }
    }

    private async ValueTask WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\r\n");
        await _stream!.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A status line: +OK (returns the text), + (continuation, returns null when allowed), -ERR (throws).</summary>
    private async ValueTask<string?> ReadStatusAsync(string command, bool allowContinuation, CancellationToken cancellationToken)
    {
        var line = await _reader!.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line.StartsWith("+OK", StringComparison.OrdinalIgnoreCase))
        {
            return line.Length > 3 ? line[3..].TrimStart() : string.Empty;
        }

        if (line.StartsWith("-ERR", StringComparison.OrdinalIgnoreCase))
        {
            var text = line.Length > 4 ? line[4..].TrimStart() : string.Empty;
            string? code = null;
            if (text.StartsWith('['))
            {
                var close = text.IndexOf(']', StringComparison.Ordinal);
                if (close > 0)
                {
                    code = text[1..close];
                    text = text[(close + 1)..].TrimStart();
                }
            }

            throw new Pop3CommandException(command, code, text);
        }

        if (allowContinuation && line.StartsWith('+'))
        {
            _continuation = line.Length > 1 ? line[1..].Trim() : string.Empty;
            return null;
        }

        var shown = line.Length > 60 ? line[..60] + "..." : line;
        throw Pop3ProtocolException.Malformed($"the reply to {command} is '{shown}' instead of +OK or -ERR");
    }

    /// <summary>One command, one status line.</summary>
    private Task<string> CommandAsync(string line, string name, CancellationToken cancellationToken) =>
        RunAsync(async token =>
        {
            await WriteLineAsync(line, token).ConfigureAwait(false);
            return (await ReadStatusAsync(name, false, token).ConfigureAwait(false))!;
        }, cancellationToken, command: name);
}

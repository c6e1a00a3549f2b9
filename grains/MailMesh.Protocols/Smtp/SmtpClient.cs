using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using MailMesh.Protocols.Internal;
using MailMesh.Protocols.Smtp.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailMesh.Protocols.Smtp;

/// <summary>The states of an SMTP session.</summary>
public enum SmtpSessionState
{
    /// <summary>Not connected.</summary>
    Disconnected,

    /// <summary>Greeted and EHLO done; ready for AUTH or mail.</summary>
    Ready,

    /// <summary>Unusable after a protocol failure; dispose and connect again.</summary>
    Broken,
}

/// <summary>
/// An SMTP submission client (RFC 5321, 6409): EHLO (HELO fallback), STARTTLS or implicit TLS,
/// AUTH PLAIN/LOGIN/XOAUTH2 (any <see cref="Sasl.SaslMechanism"/>), SIZE, 8BITMIME, SMTPUTF8, PIPELINING, DSN
/// (RET, ENVID, NOTIFY, ORCPT), CHUNKING (BDAT), enhanced status codes, dot-stuffing and the 998-octet line limit. Calls must not overlap. A refused command throws
/// <see cref="SmtpCommandException"/> and the session stays usable; anything that leaves the session
/// unusable throws <see cref="SmtpProtocolException"/> and moves it to <see cref="SmtpSessionState.Broken"/>.
/// </summary>
public sealed partial class SmtpClient : IAsyncDisposable
{
    private readonly SmtpClientOptions _options;
    private readonly ILogger _logger;
    private const int MaxRetainedOutput = 256 * 1024;
    private static readonly SmtpSessionState[] ReadyOnly = [SmtpSessionState.Ready];
    private readonly CommandGate _gate = new();
    private ArrayBufferWriter<byte>? _output;
    private Socket? _socket;
    private Stream? _stream;
    private SmtpReader? _reader;
    private string? _waitingFor;
    private SmtpPreparedTransaction? _announced;
    private int _waitRecipient;
    private int _waitRecipients;
    private TimeSpan _waitLimit;

    /// <summary>Creates a client; nothing happens on the network until <see cref="ConnectAsync"/>.</summary>
    public SmtpClient(SmtpClientOptions options, ILogger<SmtpClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The session state.</summary>
    public SmtpSessionState State { get; private set; }

    /// <summary>The extensions of the last EHLO (after STARTTLS: the ones offered over TLS).</summary>
    public SmtpCapabilities Capabilities { get; private set; } = SmtpCapabilities.None;

    /// <summary>The greeting text after 220.</summary>
    public string? Greeting { get; private set; }

    /// <summary>True once AUTH succeeded.</summary>
    public bool IsAuthenticated { get; private set; }

    /// <summary>Why the session broke, when <see cref="State"/> is <see cref="SmtpSessionState.Broken"/>.</summary>
    public SmtpProtocolException? BreakReason { get; private set; }

    /// <summary>The negotiated TLS protocol, or null on a clear-text connection.</summary>
    public SslProtocols? TlsProtocol => (_stream as SslStream)?.SslProtocol;

    /// <summary>
    /// Connects, secures the connection as <see cref="SmtpClientOptions.Tls"/> says, reads the greeting and
    /// sends EHLO (HELO when the server does not know EHLO). With <see cref="TlsMode.StartTls"/> a server
    /// that does not offer STARTTLS is refused rather than used in clear text.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        using var scope = Enter("CONNECT", SmtpSessionState.Disconnected, SmtpSessionState.Broken);
        CloseTransport();
        BreakReason = null;
        IsAuthenticated = false;
        Capabilities = SmtpCapabilities.None;
        State = SmtpSessionState.Disconnected;
        StartSessionTelemetry();
        await RunAsync(async token =>
        {
            _socket = await MailTransport.ConnectAsync(_options.Host, _options.EffectivePort, _options.ConnectTimeout, 256 * 1024, _options.TimeProvider, token).ConfigureAwait(false);
            _stream = new NetworkStream(_socket, ownsSocket: true);
            if (_options.Tls == TlsMode.Implicit)
            {
                _stream = await MailTransport.AuthenticateAsync(_stream, _options.Host, _options.TlsOptions, token).ConfigureAwait(false);
            }

            _reader = new SmtpReader(_stream, _options.MaxLineLength);
            var greeting = await _reader.ReadReplyAsync(token).ConfigureAwait(false);
            if (greeting.Code != 220)
            {
                throw new SmtpProtocolException(ProtocolFailureKind.ServerClosed, $"The SMTP server {_options.Host} refused the session: {greeting}");
            }

            Greeting = greeting.Text;
            await HelloAsync(token).ConfigureAwait(false);
            if (_options.Tls == TlsMode.StartTls)
            {
                if (!Capabilities.StartTls)
                {
                    throw new SmtpProtocolException(ProtocolFailureKind.Tls,
                        $"The SMTP server {_options.Host} does not offer STARTTLS; refusing to continue in clear text (TlsMode.StartTls).");
                }

                var reply = await CommandAsync("STARTTLS", token).ConfigureAwait(false);
                if (reply.Code != 220)
                {
                    throw new SmtpProtocolException(ProtocolFailureKind.Tls, $"The SMTP server {_options.Host} refused STARTTLS: {reply}");
                }

                if (_reader.HasBufferedData)
                {
                    // Data after the 220 before the handshake would be accepted unencrypted (a STARTTLS injection).
                    throw new SmtpProtocolException(ProtocolFailureKind.Tls, "The SMTP server sent data after accepting STARTTLS; refusing to continue.");
                }

                _stream = await MailTransport.AuthenticateAsync(_stream, _options.Host, _options.TlsOptions, token).ConfigureAwait(false);
                _reader = new SmtpReader(_stream, _options.MaxLineLength);
                await HelloAsync(token).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken, _options.ConnectTimeout).ConfigureAwait(false);
        State = SmtpSessionState.Ready;
        ConnectedTelemetry();
        SmtpLog.Connected(_logger, _options.Host, _options.EffectivePort, _options.Tls);
    }

    /// <summary>From now on the replies of this session are read on the runtime's socket event thread, and what follows a
    /// reply up to the next wait for the server runs there too (internal/ADR protocols-03): only for callers whose
    /// continuations are short and never block, like the relay pool's runners. False when the runtime does not allow it
    /// or the session is not connected.</summary>
    internal bool ReadOnSocketThread() => _socket is { } socket && InlineSocketCompletions.TryEnable(socket);

    /// <summary>Ends the session politely (QUIT) and closes the connection.</summary>
    public async Task QuitAsync(CancellationToken cancellationToken = default)
    {
        using var scope = Enter("QUIT", SmtpSessionState.Ready);
        if (_announced is not null)
        {
            throw new InvalidOperationException("The commands of a transaction were sent behind the last message; send that transaction before QUIT.");
        }

        await RunAsync(async token =>
        {
            await CommandAsync("QUIT", token).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        CloseTransport();
        State = SmtpSessionState.Disconnected;
    }

    /// <summary>Closes the connection without QUIT.</summary>
    public ValueTask DisposeAsync()
    {
        CloseTransport();
        State = SmtpSessionState.Disconnected;
        return ValueTask.CompletedTask;
    }

    private async Task HelloAsync(CancellationToken token)
    {
        var reply = await CommandAsync("EHLO " + _options.LocalDomain, token).ConfigureAwait(false);
        if (reply.Code == 250)
        {
            Capabilities = SmtpCapabilities.Parse(reply.Lines.Skip(1));
            return;
        }

        reply = await CommandAsync("HELO " + _options.LocalDomain, token).ConfigureAwait(false);
        if (reply.Code != 250)
        {
            throw new SmtpProtocolException(ProtocolFailureKind.ServerClosed, $"The SMTP server {_options.Host} refused EHLO and HELO: {reply}");
        }

        Capabilities = SmtpCapabilities.None;
    }

    private async Task<SmtpReply> CommandAsync(string line, CancellationToken token)
    {
        var telemetry = StartCommandTelemetry(line);
        try
        {
            await WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"), token).ConfigureAwait(false);
            var reply = await _reader!.ReadReplyAsync(token).ConfigureAwait(false);
            telemetry.Complete(reply.Code < 400 ? "ok" : "no");
            return reply;
        }
        catch (Exception e) when (telemetry.Failed(e))
        {
            throw;
        }
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken token)
    {
        await _stream!.WriteAsync(bytes, token).ConfigureAwait(false);
        await _stream.FlushAsync(token).ConfigureAwait(false);
    }

    private CommandGate.Releaser Enter(string command, params SmtpSessionState[] allowed) =>
        _gate.Enter("SmtpClient", "SMTP", command, State, allowed, SmtpSessionState.Broken, BreakReason);

    private Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> body, CancellationToken cancellationToken, TimeSpan? limit = null) =>
        RunStepsAsync((_, token) => body(token), cancellationToken, limit);

    /// <summary>Runs <paramref name="body"/> with a timeout it may re-arm per step (<see cref="Arm"/>), turning failures into
    /// <see cref="SmtpProtocolException"/> and breaking the session.</summary>
    private async Task<T> RunStepsAsync<T>(Func<CancellationTokenSource, CancellationToken, Task<T>> body, CancellationToken cancellationToken, TimeSpan? limit = null)
    {
        _waitingFor = null;
        _waitRecipients = 0;
        _waitLimit = limit ?? _options.CommandTimeout;
        using var timeout = new CancellationTokenSource(_waitLimit, _options.TimeProvider);
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token) : null;
        try
        {
            return await body(timeout, linked?.Token ?? timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Break(new SmtpProtocolException(ProtocolFailureKind.Cancelled, "The SMTP operation was cancelled; the session is closed."));
            throw;
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested)
        {
            throw Break(new SmtpProtocolException(ProtocolFailureKind.Timeout,
                $"The SMTP server {_options.Host} did not answer{(_waitingFor is null ? string.Empty : " " + WaitingFor)} within {_waitLimit}.", e));
        }
        catch (SmtpProtocolException e)
        {
            throw Break(e);
        }
        catch (AuthenticationException e)
        {
            throw Break(new SmtpProtocolException(ProtocolFailureKind.Tls, e.Message, e));
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or TimeoutException)
        {
            throw Break(new SmtpProtocolException(e is TimeoutException ? ProtocolFailureKind.Timeout : ProtocolFailureKind.Network,
                $"The connection to the SMTP server {_options.Host}:{_options.EffectivePort} failed{(_waitingFor is null ? string.Empty : " waiting for " + WaitingFor)}: {e.Message}", e));
        }
    }

    /// <summary>Restarts the step timeout: what follows must complete within <paramref name="limit"/>.</summary>
    private void Arm(CancellationTokenSource timeout, TimeSpan limit, string waitingFor, int recipient = 0, int recipients = 0)
    {
        Step(waitingFor, recipient, recipients);
        _waitLimit = limit;
        timeout.CancelAfter(limit);
    }

    /// <summary>Names what is awaited now without restarting the timeout (replies to one pipelined group share it).</summary>
    private void Step(string waitingFor, int recipient = 0, int recipients = 0)
    {
        _waitingFor = waitingFor;
        _waitRecipient = recipient;
        _waitRecipients = recipients;
    }

    private string? WaitingFor => _waitRecipients > 0 ? $"{_waitingFor} (recipient {_waitRecipient} of {_waitRecipients})" : _waitingFor;

    /// <summary>Logs, marks the session broken, closes the transport and returns <paramref name="error"/> for <c>throw Break(e)</c>.</summary>
    private SmtpProtocolException Break(SmtpProtocolException error)
    {
        if (State != SmtpSessionState.Broken)
        {
            SmtpLog.Broken(_logger, _options.Host, error.Kind, error.Message);
        }

        BreakReason = error;
        State = SmtpSessionState.Broken;
        CloseTransport();
        return error;
    }

    private void CloseTransport()
    {
        EndSessionTelemetry();
        _stream?.Dispose();
        _socket?.Dispose();
        _stream = null;
        _socket = null;
        _reader = null;
        _announced = null;
    }
}

internal static partial class SmtpLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "SMTP connected to {Host}:{Port} ({Tls})")]
    public static partial void Connected(ILogger logger, string host, int port, TlsMode tls);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "SMTP session with {Host} broken ({Kind}): {Reason}")]
    public static partial void Broken(ILogger logger, string host, ProtocolFailureKind kind, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "SMTP {Host} accepted a message of {Size} bytes for {Recipients} recipient(s): {Reply}")]
    public static partial void Sent(ILogger logger, string host, long size, int recipients, string reply);
}

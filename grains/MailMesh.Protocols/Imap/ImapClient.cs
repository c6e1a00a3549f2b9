using System.Buffers;
using System.Net.Sockets;
using System.Security.Authentication;
using MailMesh.Protocols.Imap.Internal;
using MailMesh.Protocols.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailMesh.Protocols.Imap;

/// <summary>
/// One IMAP4rev1 connection (RFC 3501 with IDLE, UIDPLUS, MOVE, CONDSTORE/QRESYNC, SPECIAL-USE,
/// LIST-STATUS, LITERAL+, ENABLE, ID). One session, one state machine: calls must not overlap (the
/// client throws <see cref="InvalidOperationException"/> if they do). A command the server refuses
/// throws <see cref="ImapCommandException"/> and the session stays usable; anything that leaves the
/// session unusable throws <see cref="ImapProtocolException"/> and moves it to
/// <see cref="ImapSessionState.Broken"/>.
/// </summary>
public sealed partial class ImapClient : IAsyncDisposable
{
    private readonly ImapClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ArrayBufferWriter<byte> _out = new(16 * 1024);
    private readonly List<ImapCommand> _inflight = [];
    private readonly HashSet<string> _enabled = new(StringComparer.OrdinalIgnoreCase);
    private Socket? _socket;
    private Stream? _stream;
    private ImapReader? _reader;
    private int _tagCounter;
    private readonly CommandGate _gate = new();
    private string? _byeText;
    private string? _continuationText;
    private ImapSessionState _state;

    /// <summary>Creates a client; nothing happens on the network until <see cref="ConnectAsync"/>.</summary>
    public ImapClient(ImapClientOptions options, ILogger<ImapClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = options.TimeProvider;
    }

    /// <summary>The session state.</summary>
    public ImapSessionState State
    {
        get => _state;
        private set
        {
            if (_state != value)
            {
                _state = value;
                try
                {
                    StateChanged?.Invoke(this, value);
                }
                catch (Exception e)
                {
                    ImapLog.EventHandlerFailed(_logger, e);
                }
            }
        }
    }

    /// <summary>The latest capabilities (they change after STARTTLS and after login).</summary>
    public ImapCapabilities Capabilities { get; private set; } = ImapCapabilities.None;

    /// <summary>Extensions turned on with ENABLE (e.g. <c>QRESYNC</c>).</summary>
    public IReadOnlySet<string> EnabledExtensions => _enabled;

    /// <summary>The selected mailbox, or null.</summary>
    public ImapMailbox? Selected { get; private set; }

    /// <summary>Why the session broke, when <see cref="State"/> is <see cref="ImapSessionState.Broken"/>.</summary>
    public ImapProtocolException? BreakReason { get; private set; }

    /// <summary>The server's greeting text.</summary>
    public string? Greeting { get; private set; }

    /// <summary>The negotiated TLS protocol, or null on a clear-text connection.</summary>
    public SslProtocols? TlsProtocol => (_stream as System.Net.Security.SslStream)?.SslProtocol;

    /// <summary>Raised for EXISTS, EXPUNGE, VANISHED and unsolicited FETCH (flag changes) on the selected mailbox.</summary>
    public event EventHandler<ImapMailboxEventArgs>? MailboxChanged;

    /// <summary>Raised when <see cref="State"/> changes (e.g. to <see cref="ImapSessionState.Idle"/> once the server accepted IDLE).</summary>
    public event EventHandler<ImapSessionState>? StateChanged;

    /// <summary>Raised for <c>[ALERT]</c> responses.</summary>
    public event EventHandler<ImapAlertEventArgs>? Alert;

    /// <summary>Sends LOGOUT when connected, then closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (State is ImapSessionState.NotAuthenticated or ImapSessionState.Authenticated or ImapSessionState.Selected && !_gate.IsBusy)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), _time);
                await LogoutAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MailProtocolException or MailCommandException or OperationCanceledException)
            {
                // LOGOUT is a courtesy on the way out; the connection is closed below either way.
                ImapLog.LogoutFailed(_logger, _options.Host, e.Message);
            }
        }

        CloseTransport();
        if (State != ImapSessionState.Broken)
        {
            State = ImapSessionState.Disconnected;
        }
    }

    /// <summary>
    /// Marks the session broken, closes the transport and returns the exception to throw
    /// (<c>throw Break(e)</c>). Any failure that leaves the protocol out of step ends here.
    /// </summary>
    internal ImapProtocolException Break(Exception reason, bool timedOut = false)
    {
        var exception = reason switch
        {
            ImapProtocolException protocol => protocol,
            OperationCanceledException when timedOut => new ImapProtocolException(
                ProtocolFailureKind.Timeout, $"The IMAP server {_options.Host}:{_options.EffectivePort} did not respond within {_options.CommandTimeout}.", reason),
            OperationCanceledException => new ImapProtocolException(
                ProtocolFailureKind.Cancelled, "An IMAP command was cancelled while in flight; the session state is unknown, so the connection was closed.", reason),
            EndOfStreamException or IOException when _byeText is not null => new ImapProtocolException(
                ProtocolFailureKind.ServerClosed, $"The IMAP server closed the connection: BYE {_byeText}", reason),
            EndOfStreamException => new ImapProtocolException(
                ProtocolFailureKind.Network, $"The IMAP server {_options.Host}:{_options.EffectivePort} closed the connection unexpectedly.", reason),
            AuthenticationException => new ImapProtocolException(ProtocolFailureKind.Tls, reason.Message, reason),
            TimeoutException => new ImapProtocolException(ProtocolFailureKind.Timeout, reason.Message, reason),
            _ => new ImapProtocolException(
                ProtocolFailureKind.Network, $"The connection to the IMAP server {_options.Host}:{_options.EffectivePort} failed: {reason.Message}", reason),
        };

        if (State != ImapSessionState.Broken)
        {
            ImapLog.Broken(_logger, _options.Host, exception.Kind, exception.Message, reason);
        }

        State = ImapSessionState.Broken;
        BreakReason = exception;
        Selected = null;
        _inflight.Clear();
        CloseTransport();
        return exception;
    }

    private static bool IsTransportFailure(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or AuthenticationException or TimeoutException
            or OperationCanceledException or ImapProtocolException;

    private void CloseTransport()
    {
        EndSessionTelemetry();
        _stream?.Dispose();
        _socket?.Dispose();
        _stream = null;
        _socket = null;
        _reader = null;
    }

    private CommandGate.Releaser BeginOperation(string command, params ImapSessionState[] allowed) =>
        _gate.Enter(nameof(ImapClient), "IMAP", command, State, allowed, ImapSessionState.Broken, BreakReason);

    private void Raise(ImapMailboxEventArgs args)
    {
        try
        {
            MailboxChanged?.Invoke(this, args);
        }
        catch (Exception e)
        {
            ImapLog.EventHandlerFailed(_logger, e);
        }
    }

    private void RaiseAlert(string text)
    {
        try
        {
            Alert?.Invoke(this, new ImapAlertEventArgs(text));
        }
        catch (Exception e)
        {
            ImapLog.EventHandlerFailed(_logger, e);
        }
    }
}

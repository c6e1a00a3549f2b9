using System.Net.Sockets;
using MailMesh.Protocols.Imap.Internal;
using MailMesh.Protocols.Internal;

namespace MailMesh.Protocols.Imap;

/// <summary>Connecting: TCP, implicit TLS or STARTTLS, greeting, capabilities.</summary>
public sealed partial class ImapClient
{
    /// <summary>
    /// Connects, secures the connection as <see cref="ImapClientOptions.Tls"/> says (certificate validation
    /// on), reads the greeting and learns the capabilities. A greeting BYE, a TLS failure or a server
    /// without STARTTLS (when required) throws <see cref="ImapProtocolException"/>.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("CONNECT", ImapSessionState.Disconnected, ImapSessionState.Broken);
        ResetSession();
        StartSessionTelemetry();
        var host = _options.Host;
        var port = _options.EffectivePort;
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            _socket = await MailTransport.ConnectAsync(host, port, _options.ConnectTimeout, _options.SocketBufferSize, _time, linked.Token).ConfigureAwait(false);
            _stream = new NetworkStream(_socket, ownsSocket: true);
            if (_options.Tls == TlsMode.Implicit)
            {
                await UpgradeToTlsAsync(linked.Token).ConfigureAwait(false);
            }

            _reader = new ImapReader(_stream, _options.ReadBufferSize, _options.MaxLineLength);
            State = ImapSessionState.NotAuthenticated;
            ImapLog.Connected(_logger, host, port, _options.Tls);
            await ReadGreetingAsync(linked.Token).ConfigureAwait(false);
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

        if (Capabilities.Names.Count == 0)
        {
            await ExecuteAsync(Command("CAPABILITY").Atom("CAPABILITY").Build(), cancellationToken).ConfigureAwait(false);
        }

        if (_options.Tls == TlsMode.StartTls && State == ImapSessionState.NotAuthenticated)
        {
            await StartTlsAsync(cancellationToken).ConfigureAwait(false);
        }

        ConnectedTelemetry();
    }

    private void ResetSession()
    {
        CloseTransport();
        State = ImapSessionState.Disconnected;
        BreakReason = null;
        Capabilities = ImapCapabilities.None;
        Selected = null;
        Greeting = null;
        _byeText = null;
        _enabled.Clear();
        _inflight.Clear();
        _out.ResetWrittenCount();
    }

    private async Task ReadGreetingAsync(CancellationToken cancellationToken)
    {
        var reader = _reader!;
        var star = await reader.ReadTokenAsync(cancellationToken).ConfigureAwait(false);
        if (star.Kind != ImapTokenKind.Atom || reader.Bytes(star) is not [(byte)'*'])
        {
            throw ImapProtocolException.Malformed($"the greeting starts with {ImapParser.Describe(reader, star)} instead of '*' (is this an IMAP server?)");
        }

        await HandleUntaggedAsync(cancellationToken).ConfigureAwait(false);
        if (_byeText is not null)
        {
            throw new ImapProtocolException(ProtocolFailureKind.ServerClosed, $"The IMAP server {_options.Host} refused the connection: BYE {_byeText}");
        }

        if (Greeting is null)
        {
            throw ImapProtocolException.Malformed("the greeting is not OK, PREAUTH or BYE");
        }
    }

    private async Task StartTlsAsync(CancellationToken cancellationToken)
    {
        if (!Capabilities.StartTls)
        {
            throw Break(new ImapProtocolException(
                ProtocolFailureKind.Tls, $"The IMAP server {_options.Host} does not offer STARTTLS; refusing to continue in clear text (TlsMode.StartTls)."));
        }

        await ExecuteAsync(Command("STARTTLS").Atom("STARTTLS").Build(), cancellationToken).ConfigureAwait(false);

        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // Anything the server sent after its OK and before the handshake is discarded with the old
            // reader: accepting it would allow response injection (CVE-2011-0411 class).
            await UpgradeToTlsAsync(linked.Token).ConfigureAwait(false);
            _reader = new ImapReader(_stream!, _options.ReadBufferSize, _options.MaxLineLength);
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

        Capabilities = ImapCapabilities.None;
        await ExecuteAsync(Command("CAPABILITY").Atom("CAPABILITY").Build(), cancellationToken).ConfigureAwait(false);
    }

    private async Task UpgradeToTlsAsync(CancellationToken cancellationToken)
    {
        var ssl = await MailTransport.AuthenticateAsync(_stream!, _options.Host, _options.TlsOptions, cancellationToken).ConfigureAwait(false);
        _stream = ssl;
        ImapLog.TlsEstablished(_logger, _options.Host, ssl.SslProtocol.ToString());
    }
}

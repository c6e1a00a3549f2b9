using System.Net.Sockets;
using MailMesh.Protocols.Internal;
using MailMesh.Protocols.Pop3.Internal;

namespace MailMesh.Protocols.Pop3;

/// <summary>Connecting: TCP, implicit TLS or STLS, greeting, CAPA.</summary>
public sealed partial class Pop3Client
{
    private string? _apopTimestamp;

    /// <summary>
    /// Connects, secures the connection as <see cref="Pop3ClientOptions.Tls"/> says (certificate validation
    /// on), reads the greeting and the capabilities. A -ERR greeting, a TLS failure or a server without STLS
    /// (when required) throws <see cref="Pop3ProtocolException"/>.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        using var scope = BeginOperation("CONNECT", Pop3SessionState.Disconnected, Pop3SessionState.Broken);
        CloseTransport();
        BreakReason = null;
        Capabilities = Pop3Capabilities.None;
        State = Pop3SessionState.Disconnected;
        StartSessionTelemetry();
        await RunAsync(async token =>
        {
            _socket = await MailTransport.ConnectAsync(_options.Host, _options.EffectivePort, _options.ConnectTimeout, _options.SocketBufferSize, _time, token).ConfigureAwait(false);
            _stream = new NetworkStream(_socket, ownsSocket: true);
            if (_options.Tls == TlsMode.Implicit)
            {
                _stream = await MailTransport.AuthenticateAsync(_stream, _options.Host, _options.TlsOptions, token).ConfigureAwait(false);
            }

            _reader = new Pop3Reader(_stream, _options.ReadBufferSize, _options.MaxLineLength);
            var line = await _reader.ReadLineAsync(token).ConfigureAwait(false);
            if (line.StartsWith("-ERR", StringComparison.OrdinalIgnoreCase))
            {
                throw new Pop3ProtocolException(ProtocolFailureKind.ServerClosed, $"The POP3 server {_options.Host} refused the connection: {line}");
            }

            if (!line.StartsWith("+OK", StringComparison.OrdinalIgnoreCase))
            {
                throw Pop3ProtocolException.Malformed($"the greeting is '{(line.Length > 60 ? line[..60] + "..." : line)}' instead of +OK (is this a POP3 server?)");
            }

            Greeting = line.Length > 3 ? line[3..].TrimStart() : string.Empty;
            var open = Greeting.IndexOf('<', StringComparison.Ordinal);
            var close = open < 0 ? -1 : Greeting.IndexOf('>', open);
            _apopTimestamp = close > open && Greeting.IndexOf('@', open) is var at && at > open && at < close ? Greeting[open..(close + 1)] : null;
            State = Pop3SessionState.Authorization;
            Pop3Log.Connected(_logger, _options.Host, _options.EffectivePort, _options.Tls);
            return true;
        }, cancellationToken, _options.ConnectTimeout).ConfigureAwait(false);

        await ReadCapabilitiesAsync(cancellationToken).ConfigureAwait(false);
        if (_options.Tls == TlsMode.StartTls)
        {
            if (!Capabilities.Stls)
            {
                throw Break(new Pop3ProtocolException(
                    ProtocolFailureKind.Tls, $"The POP3 server {_options.Host} does not offer STLS; refusing to continue in clear text (TlsMode.StartTls)."));
            }

            await CommandAsync("STLS", "STLS", cancellationToken).ConfigureAwait(false);
            await RunAsync(async token =>
            {
                // Bytes sent before the handshake are dropped with the old reader (no response injection).
                _stream = await MailTransport.AuthenticateAsync(_stream!, _options.Host, _options.TlsOptions, token).ConfigureAwait(false);
                _reader = new Pop3Reader(_stream, _options.ReadBufferSize, _options.MaxLineLength);
                return true;
            }, cancellationToken, _options.ConnectTimeout).ConfigureAwait(false);
            await ReadCapabilitiesAsync(cancellationToken).ConfigureAwait(false);
        }

        ConnectedTelemetry();
    }

    private async Task ReadCapabilitiesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var lines = await RunAsync(async token =>
            {
                await WriteLineAsync("CAPA", token).ConfigureAwait(false);
                await ReadStatusAsync("CAPA", false, token).ConfigureAwait(false);
                return await ReadLinesAsync(token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            Capabilities = new Pop3Capabilities(lines);
        }
        catch (Pop3CommandException)
        {
            Pop3Log.NoCapa(_logger, _options.Host);
            Capabilities = Pop3Capabilities.None;
        }
    }

    /// <summary>The lines of a multi-line response (small ones: CAPA, LIST, UIDL), dot-unstuffed.</summary>
    private async Task<List<string>> ReadLinesAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await _reader!.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line == ".")
            {
                return lines;
            }

            lines.Add(line.StartsWith('.') ? line[1..] : line);
        }
    }
}

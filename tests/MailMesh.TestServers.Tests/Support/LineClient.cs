using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailMesh.Testing;

namespace MailMesh.SmokeTests.Support;

/// <summary>
/// A small, bounded client for line-based protocols (IMAP, POP3, SMTP) used to smoke-test the
/// servers. Every read and write has a timeout whose exception says what it waited for.
/// </summary>
internal sealed class LineClient : IAsyncDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(15);
    private readonly TcpClient _tcp;
    private readonly HostPort _address;
    private Stream _stream;
    private StreamReader _reader;

    private LineClient(TcpClient tcp, Stream stream, HostPort address)
    {
        _tcp = tcp;
        _stream = stream;
        _address = address;
        _reader = NewReader(stream);
    }

    public static async Task<LineClient> ConnectAsync(HostPort address, CancellationToken cancellationToken = default)
    {
        var tcp = new TcpClient();
        try
        {
            await Bounded(t => tcp.ConnectAsync(address.Host, address.Port, t).AsTask(), $"a TCP connection to {address}", cancellationToken);
            return new LineClient(tcp, tcp.GetStream(), address);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Connects and negotiates TLS at once (implicit TLS), validating the server against <paramref name="trustedRoot"/> when given, else the system store.</summary>
    public static async Task<LineClient> ConnectTlsAsync(HostPort address, string targetHost, X509Certificate2? trustedRoot, CancellationToken cancellationToken = default)
    {
        var client = await ConnectAsync(address, cancellationToken);
        try
        {
            var ssl = new SslStream(client._stream, leaveInnerStreamOpen: false);
            var options = new SslClientAuthenticationOptions { TargetHost = targetHost };
            if (trustedRoot is not null)
            {
                var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
                policy.CustomTrustStore.Add(trustedRoot);
                options.CertificateChainPolicy = policy;
            }

            await Bounded(t => ssl.AuthenticateAsClientAsync(options, t), $"the TLS handshake with {address}", cancellationToken);
            client._stream = ssl;
            client._reader = NewReader(ssl);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    public async Task<string> ReadLineAsync(string waitingFor, CancellationToken cancellationToken = default)
    {
        var line = await Bounded(t => _reader.ReadLineAsync(t).AsTask(), $"{waitingFor} from {_address}", cancellationToken);
        return line ?? throw new IOException($"{_address} closed the connection while the client waited for {waitingFor}.");
    }

    /// <summary>Reads an SMTP/LMTP reply (continuation lines "250-...", last line "250 ...") and returns its lines.</summary>
    public async Task<IReadOnlyList<string>> ReadSmtpReplyAsync(string waitingFor, CancellationToken cancellationToken = default)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(waitingFor, cancellationToken);
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return lines;
            }
        }
    }

    public Task WriteLineAsync(string line, CancellationToken cancellationToken = default) =>
        Bounded(async t =>
        {
            var bytes = Encoding.ASCII.GetBytes(line + "\r\n");
            await _stream.WriteAsync(bytes, t);
            await _stream.FlushAsync(t);
        }, $"sending a line to {_address}", cancellationToken);

    /// <summary>Sends a command and reads the SMTP reply, asserting its code.</summary>
    public async Task<IReadOnlyList<string>> SmtpCommandAsync(string command, int expectedCode, CancellationToken cancellationToken = default)
    {
        await WriteLineAsync(command, cancellationToken);
        var reply = await ReadSmtpReplyAsync($"the reply to {command.Split(' ')[0]}", cancellationToken);
        Assert.True(
            reply[^1].StartsWith(expectedCode.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal),
            $"{_address} answered '{string.Join(" | ", reply)}' to '{command}', expected {expectedCode}.");
        return reply;
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    private static StreamReader NewReader(Stream stream) => new(stream, Encoding.Latin1, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);

    private static async Task Bounded(Func<CancellationToken, Task> action, string waitingFor, CancellationToken cancellationToken)
    {
        await Bounded(async t => { await action(t); return true; }, waitingFor, cancellationToken);
    }

    private static async Task<T> Bounded<T>(Func<CancellationToken, Task<T>> action, string waitingFor, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(s_timeout);
        try
        {
            return await action(cts.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out after {s_timeout.TotalSeconds:0} s waiting for {waitingFor}.");
        }
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailMesh.Telemetry.Tests;

/// <summary>A one-connection SMTP server on loopback that answers RCPT with the scripted codes in turn (250 when the
/// script is used up) and accepts every message.</summary>
internal sealed class FakeSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Queue<string> _rcptReplies;
    private readonly Task _serve;

    public FakeSmtpServer(params string[] rcptReplies)
    {
        _rcptReplies = new Queue<string>(rcptReplies);
        _listener.Start();
        _serve = ServeAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _serve;
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            // The client closed the connection, or no client came.
        }
    }

    private async Task ServeAsync()
    {
        using var socket = await _listener.AcceptSocketAsync();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 fake.test ESMTP");
        while (await reader.ReadLineAsync() is { } line)
        {
            var verb = line.Split(' ', ':')[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await writer.WriteLineAsync("250 fake.test");
                    break;
                case "MAIL":
                    await writer.WriteLineAsync("250 2.1.0 ok");
                    break;
                case "RCPT":
                    await writer.WriteLineAsync(_rcptReplies.TryDequeue(out var reply) ? reply : "250 2.1.5 ok");
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 go ahead");
                    while (await reader.ReadLineAsync() is { } data && data != ".")
                    {
                    }

                    await writer.WriteLineAsync("250 2.0.0 queued");
                    break;
                case "RSET":
                    await writer.WriteLineAsync("250 2.0.0 reset");
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 bye");
                    return;
                default:
                    await writer.WriteLineAsync("502 5.5.2 unknown");
                    break;
            }
        }
    }
}

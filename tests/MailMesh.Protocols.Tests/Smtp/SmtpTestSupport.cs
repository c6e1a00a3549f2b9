using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MailMesh.Protocols.Smtp;
using MailMesh.Protocols.Tests.Support;

namespace MailMesh.Protocols.Tests.Smtp;

/// <summary>Relay settings and saved-message lookups for the SMTP tests against the project's test servers.</summary>
internal static class SmtpTestSupport
{
    /// <summary>The capture server's second port, which offers CHUNKING (MAILMESH_TEST_SMTP_CHUNKING_PORT, default 22527).</summary>
    public static HostPort ChunkingPort => new(TestServers.SmtpCapture.Address.Host,
        int.TryParse(Environment.GetEnvironmentVariable("MAILMESH_TEST_SMTP_CHUNKING_PORT"), out var port) ? port : 22527);

    public static SmtpRelayOptions Relay(HostPort address, Action<SmtpRelayOptions>? configure = null)
    {
        var options = new SmtpRelayOptions { Host = address.Host, Port = address.Port, Tls = TlsMode.None, LocalDomain = "mailmesh.test" };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>The saved message whose content contains <paramref name="marker"/> and its envelope JSON.</summary>
    public static (byte[] Content, JsonElement Envelope) FindSaved(string marker)
    {
        var capture = TestServers.SmtpCapture;
        foreach (var file in Directory.EnumerateFiles(capture.NewMessagesDirectory))
        {
            var bytes = File.ReadAllBytes(file);
            if (System.Text.Encoding.UTF8.GetString(bytes).Contains(marker, StringComparison.Ordinal))
            {
                var envelope = JsonDocument.Parse(File.ReadAllText(Path.Combine(capture.EnvelopesDirectory, Path.GetFileName(file) + ".json"))).RootElement;
                return (bytes, envelope);
            }
        }

        throw new InvalidOperationException($"No message containing {marker} in {capture.NewMessagesDirectory}: the sink did not store it.");
    }

    public static bool IsSaved(string marker) =>
        Directory.EnumerateFiles(TestServers.SmtpCapture.NewMessagesDirectory)
            .Any(f => File.ReadAllText(f).Contains(marker, StringComparison.Ordinal));
}

/// <summary>A socket-level relay that accepts any number of connections and runs a script on each (its index from 0):
/// for garbage and for a relay closing a pooled session, which the real servers will not do on demand.</summary>
internal sealed class ScriptedRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _sessions = [];
    private readonly Task _accept;

    public ScriptedRelay(Func<FakeConnection, int, Task> script)
    {
        _listener.Start();
        _accept = AcceptAsync(script);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>A relay whose one session, once <paramref name="go"/> completes, takes two messages pipelined behind each
    /// other with PIPELINING, answers the first ("250 2.0.0 first") only once the second's transaction has arrived behind
    /// its final dot, then the second ("250 2.0.0 second"), and ends with QUIT.</summary>
    public static ScriptedRelay TwoPipelinedMessages(Task go) => new(async (c, _) =>
    {
        await go;
        await GreetAsync(c, "250 PIPELINING\r\n");
        await c.ReadLinesThroughAsync("DATA", "the first transaction");
        await c.SendAsync("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n");
        await c.ReadLinesThroughAsync(".", "the first message's data");
        await c.ReadLinesThroughAsync("DATA", "the second transaction behind the first final dot");
        await c.SendAsync("250 2.0.0 first\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n");
        await c.ReadLinesThroughAsync(".", "the second message's data");
        await c.SendAsync("250 2.0.0 second\r\n");
        Assert.Equal("QUIT", await c.ReadLineAsync("QUIT"));
        await c.SendAsync("221 bye\r\n");
    });

    public int Accepted { get; private set; }

    /// <summary>Completes with the first failed session script (or never).</summary>
    public Task Sessions(int count) => Task.WhenAll(_sessions.Take(count));

    private async Task AcceptAsync(Func<FakeConnection, int, Task> script)
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptSocketAsync(_stop.Token);
            var index = Accepted++;
            _sessions.Add(Task.Run(async () =>
            {
                await using var connection = new FakeConnection(socket, _stop.Token);
                try
                {
                    await script(connection, index);
                }
                finally
                {
                    socket.Dispose();
                }
            }));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            GC.KeepAlive(e);
        }

        _stop.Dispose();
    }

    /// <summary>Greets and answers EHLO with <paramref name="extensions"/> (each line "250-X\r\n" or the last "250 X\r\n").</summary>
    public static async Task GreetAsync(FakeConnection c, string extensions)
    {
        await c.SendAsync("220 relay ESMTP\r\n");
        await c.ReadLineAsync("EHLO");
        await c.SendAsync("250-relay\r\n" + extensions);
    }
}

using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailMesh.Protocols.Tests.Support;

/// <summary>
/// A scripted server at the socket level, for responses a real server will not produce on demand
/// (garbage, drops mid-literal, hostile sizes). The script runs against one accepted connection.
/// </summary>
public sealed class FakeServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Task _run;
    private readonly CancellationTokenSource _stop = new();

    private FakeServer(Func<FakeConnection, Task> script)
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _run = RunAsync(script);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Completes when the script finished; faults with the script's failure.</summary>
    public Task Completion => _run;

    public static FakeServer Start(Func<FakeConnection, Task> script) => new(script);

    private async Task RunAsync(Func<FakeConnection, Task> script)
    {
        using var socket = await _listener.AcceptSocketAsync(_stop.Token);
        await using var connection = new FakeConnection(socket, _stop.Token);
        await script(connection);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The script was cut short by the test ending: expected when the client broke off first.
            GC.KeepAlive(e);
        }

        _stop.Dispose();
    }
}

/// <summary>One accepted connection of a <see cref="FakeServer"/>.</summary>
public sealed class FakeConnection : IAsyncDisposable
{
    private static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly CancellationToken _stop;
    private readonly List<byte> _pending = [];

    public FakeConnection(Socket socket, CancellationToken stop)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _stop = stop;
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes, _stop);
        await _stream.FlushAsync(_stop);
    }

    /// <summary>Reads the lines the client sent up to and including <paramref name="last"/>.</summary>
    public async Task<List<string>> ReadLinesThroughAsync(string last, string waitingFor)
    {
        var lines = new List<string>();
        do
        {
            lines.Add(await ReadLineAsync(waitingFor));
        }
        while (lines[^1] != last);

        return lines;
    }

    /// <summary>Reads one line (without CRLF) the client sent; fails after 10 s saying what it waited for.</summary>
    public async Task<string> ReadLineAsync(string waitingFor = "a command line")
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop);
        timeout.CancelAfter(ReadLimit);
        var buffer = new byte[4096];
        while (true)
        {
            var newline = _pending.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, newline).ToArray()).TrimEnd('\r');
                _pending.RemoveRange(0, newline + 1);
                return line;
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, timeout.Token);
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                throw new TimeoutException($"The fake server waited {ReadLimit.TotalSeconds} s for {waitingFor} from the client.");
            }

            if (read == 0)
            {
                throw new EndOfStreamException($"The client closed the connection while the fake server waited for {waitingFor}.");
            }

            _pending.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    /// <summary>Reads an IMAP command line and returns its tag.</summary>
    public async Task<string> ReadTagAsync(string expectedCommand)
    {
        var line = await ReadLineAsync(expectedCommand);
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0 || !line[(space + 1)..].StartsWith(expectedCommand, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"The fake server expected {expectedCommand} but the client sent '{line}'.");
        }

        return line[..space];
    }

    /// <summary>Closes the connection in an orderly way (FIN): data already sent still arrives.</summary>
    public void Close()
    {
        _socket.Shutdown(SocketShutdown.Both);
        _socket.Close();
    }

    /// <summary>Closes the connection abruptly (RST).</summary>
    public void Abort() => _socket.Close(0);

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}

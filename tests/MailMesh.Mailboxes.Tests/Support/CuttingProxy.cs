using System.Net;
using System.Net.Sockets;

namespace MailMesh.Mailboxes.Tests.Support;

/// <summary>A TCP proxy to a server that, on its first connection only, cuts both directions once the server has
/// sent <c>cutAfterBytes</c> bytes (a server dying mid-fetch). Later connections pass through untouched.</summary>
public sealed class CuttingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _host;
    private readonly int _port;
    private readonly long _cutAfterBytes;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private int _connections;

    public CuttingProxy(string host, int port, long cutAfterBytes)
    {
        _host = host;
        _port = port;
        _cutAfterBytes = cutAfterBytes;
        _listener.Start();
        _accept = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Set once the first connection has been cut.</summary>
    public TaskCompletionSource Cut { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The listener was stopped: that ends the accept loop.
            _ = e;
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var first = Interlocked.Increment(ref _connections) == 1;
            _ = RelayAsync(client, first ? _cutAfterBytes : long.MaxValue);
        }
    }

    private async Task RelayAsync(TcpClient client, long limit)
    {
        using (client)
        using (var server = new TcpClient())
        {
            await server.ConnectAsync(_host, _port, _stop.Token);
            using var both = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = PumpAsync(client.GetStream(), server.GetStream(), long.MaxValue, both.Token);
            var down = PumpAsync(server.GetStream(), client.GetStream(), limit, both.Token);
            await Task.WhenAny(up, down);
            await both.CancelAsync();
            client.Client.LingerState = new LingerOption(true, 0);
            if (limit != long.MaxValue)
            {
                Cut.TrySetResult();
            }
        }
    }

    private static async Task PumpAsync(Stream from, Stream to, long limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        long total = 0;
        try
        {
            while (total < limit)
            {
                var read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - total)), cancellationToken);
                if (read == 0)
                {
                    return;
                }

                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                total += read;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // One side closed or the relay is being torn down.
            _ = e;
        }
    }
}

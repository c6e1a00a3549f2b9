using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailMesh.Cluster.Tests.Mailboxes;

/// <summary>A loopback TCP proxy in front of a real server that, once armed, lets a command through to the server and
/// then drops the connection to the client: the server carries the command out and answers into the void, and the
/// client cannot tell whether it happened — what a silo dying right after sending it would leave behind.</summary>
public sealed class SeveringProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly TaskCompletionSource _severed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[]? _trigger;
    private int _matched;
    private bool _lineEnd;

    public SeveringProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Completes when a connection was dropped after its trigger.</summary>
    public Task Severed => _severed.Task;

    /// <summary>The next time a client sends <paramref name="trigger"/> (ASCII, exact bytes), its line (through the
    /// next LF) goes to the server and the client's connection is closed; the server's answer is read and dropped.</summary>
    public void Arm(string trigger)
    {
        _matched = 0;
        _lineEnd = false;
        Volatile.Write(ref _trigger, Encoding.ASCII.GetBytes(trigger));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        await server.ConnectAsync(_targetHost, _targetPort, _stop.Token);
        var fromServer = PumpAsync(server.GetStream(), client.GetStream(), watch: false);
        var fromClient = PumpAsync(client.GetStream(), server.GetStream(), watch: true);
        await Task.WhenAny(fromServer, fromClient);
        if (fromClient.IsCompletedSuccessfully && fromClient.Result)
        {
            // Severed: the client is gone; give the server time to carry the command out and answer, then hang up.
            client.Client.LingerState = new LingerOption(true, 0);
            client.Close();
            var buffer = new byte[4096];
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                while (await server.GetStream().ReadAsync(buffer, drain.Token) > 0)
                {
                    // The answer the client never gets.
                }
            }
            catch (OperationCanceledException)
            {
                // The server keeps the connection open: enough.
            }

            _severed.TrySetResult();
        }
    }

    /// <summary>Copies until either side closes; true when it stopped because the trigger went through.</summary>
    private async Task<bool> PumpAsync(NetworkStream from, NetworkStream to, bool watch)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return false;
                }

                var end = watch ? FindTriggerEnd(buffer.AsSpan(0, read)) : -1;
                await to.WriteAsync(buffer.AsMemory(0, end < 0 ? read : end), _stop.Token);
                if (end >= 0)
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Where the line of the armed trigger ends in <paramref name="chunk"/> (either may span chunks),
    /// disarming it; -1 if not in this chunk.</summary>
    private int FindTriggerEnd(ReadOnlySpan<byte> chunk)
    {
        var trigger = Volatile.Read(ref _trigger);
        if (trigger is null)
        {
            return -1;
        }

        for (var i = 0; i < chunk.Length; i++)
        {
            if (!_lineEnd)
            {
                _matched = chunk[i] == trigger[_matched] ? _matched + 1 : chunk[i] == trigger[0] ? 1 : 0;
                _lineEnd = _matched == trigger.Length;
                if (!_lineEnd || trigger[^1] != (byte)'\n')
                {
                    continue;
                }
            }

            if (chunk[i] == (byte)'\n')
            {
                Volatile.Write(ref _trigger, null);
                return i + 1;
            }
        }

        return -1;
    }
}

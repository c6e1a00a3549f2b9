using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailMesh.Testing;

/// <summary>A loopback TCP proxy in front of a real server, which the test controls to fake what the server will not
/// do on demand: <see cref="Cut"/> makes the server look down (every connection reset, new ones refused) until
/// <see cref="Restore"/>; <see cref="SeverOn"/> lets one command through to the server and then drops the client, so
/// the server carries the command out and answers into the void, as if the client died right after sending it;
/// <see cref="ResetNextAfter"/> resets one connection part-way through what the server sends, as a server dying
/// mid-answer.</summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private readonly TaskCompletionSource _severed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _resetMidAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _resetAfterBytes = long.MaxValue;
    private volatile bool _cut;
    private byte[]? _trigger;
    private int _matched;
    private bool _lineEnd;

    public TcpProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Completes when a connection was dropped after the trigger of <see cref="SeverOn"/>.</summary>
    public Task Severed => _severed.Task;

    /// <summary>Completes when a connection was reset by <see cref="ResetNextAfter"/>.</summary>
    public Task ResetMidAnswer => _resetMidAnswer.Task;

    /// <summary>Closes every connection and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _cut = true;
        lock (_open)
        {
            foreach (var client in _open)
            {
                if (client.Client is { } socket)
                {
                    socket.LingerState = new LingerOption(true, 0); // a reset, as from a server that went away
                }

                client.Dispose();
            }

            _open.Clear();
        }
    }

    public void Restore() => _cut = false;

    /// <summary>The next time a client sends <paramref name="trigger"/> (ASCII, exact bytes), its line (through the
    /// next LF) goes to the server and the client's connection is closed; the server's answer is read and dropped.</summary>
    public void SeverOn(string trigger)
    {
        _matched = 0;
        _lineEnd = false;
        Volatile.Write(ref _trigger, Encoding.ASCII.GetBytes(trigger));
    }

    /// <summary>The next connection is reset (both directions) once the server has sent <paramref name="bytes"/> bytes
    /// through it; later connections pass untouched.</summary>
    public void ResetNextAfter(long bytes) => Interlocked.Exchange(ref _resetAfterBytes, bytes);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The listener was stopped: accepting ends.
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            if (_cut)
            {
                inbound.Client.LingerState = new LingerOption(true, 0);
                inbound.Dispose();
                continue;
            }

            _ = RelayAsync(inbound);
        }
    }

    private async Task RelayAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        try
        {
            await outbound.ConnectAsync(_targetHost, _targetPort, _stop.Token);
            lock (_open)
            {
                _open.Add(inbound);
                _open.Add(outbound);
            }

            var limit = Interlocked.Exchange(ref _resetAfterBytes, long.MaxValue);
            var down = PumpAsync(outbound.GetStream(), inbound.GetStream(), watch: false, limit);
            var up = PumpAsync(inbound.GetStream(), outbound.GetStream(), watch: true, long.MaxValue);
            var first = await Task.WhenAny(up, down);
            if (first == up && up.Result == PumpEnd.Triggered)
            {
                await SeverAsync(inbound, outbound);
            }
            else if (first == down && down.Result == PumpEnd.LimitReached)
            {
                inbound.Client.LingerState = new LingerOption(true, 0);
                inbound.Dispose();
                outbound.Dispose();
                _resetMidAnswer.TrySetResult();
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A cut or a closed end: the connection is over.
        }
        finally
        {
            lock (_open)
            {
                _open.Remove(inbound);
                _open.Remove(outbound);
            }

            inbound.Dispose();
            outbound.Dispose();
        }
    }

    /// <summary>The trigger went through: the client is gone; give the server time to carry the command out and
    /// answer, then hang up.</summary>
    private async Task SeverAsync(TcpClient inbound, TcpClient outbound)
    {
        inbound.Client.LingerState = new LingerOption(true, 0);
        inbound.Close();
        var buffer = new byte[4096];
        using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            while (await outbound.GetStream().ReadAsync(buffer, drain.Token) > 0)
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

    /// <summary>Copies until either side closes, the armed trigger went through (when <paramref name="watch"/>) or
    /// <paramref name="limit"/> bytes were copied.</summary>
    private async Task<PumpEnd> PumpAsync(NetworkStream from, NetworkStream to, bool watch, long limit)
    {
        var buffer = new byte[16 * 1024];
        long copied = 0;
        try
        {
            while (copied < limit)
            {
                var read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - copied)), _stop.Token);
                if (read == 0)
                {
                    return PumpEnd.Closed;
                }

                var end = watch ? FindTriggerEnd(buffer.AsSpan(0, read)) : -1;
                await to.WriteAsync(buffer.AsMemory(0, end < 0 ? read : end), _stop.Token);
                if (end >= 0)
                {
                    return PumpEnd.Triggered;
                }

                copied += read;
            }

            return PumpEnd.LimitReached;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return PumpEnd.Closed;
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

    private enum PumpEnd
    {
        Closed,
        Triggered,
        LimitReached,
    }
}

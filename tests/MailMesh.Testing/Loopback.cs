using System.Net;
using System.Net.Sockets;

namespace MailMesh.Testing;

/// <summary>Loopback ports for hosts a test starts itself, and binds later.</summary>
/// <remarks>A port the OS hands out for <c>bind(0)</c> comes from its ephemeral range, the same range it uses for the
/// local end of every outgoing connection; between the probe and the host's own bind, a test's client connection to
/// PostgreSQL or RabbitMQ may take it ("address already in use"). So ports come from below that range instead, where
/// the OS never picks on its own: each process starts at a random point and walks on, and each port is checked free by
/// binding it, and handed out once.</remarks>
public static class Loopback
{
    // Above the fixed ports of scripts/test-servers.sh (20000-25673), so a server started after a test host cannot
    // find its port taken.
    private const int Lowest = 26000;

    private static readonly int Highest = EphemeralRangeStart() - 1;

    private static readonly Lock Gate = new();

    private static int _next = Lowest + Random.Shared.Next(Highest - Lowest + 1);

    /// <summary>An <c>http://127.0.0.1:port</c> URL on a free port (see <see cref="FreePort"/>).</summary>
    public static string FreeHttpUrl() => $"http://127.0.0.1:{FreePort()}";

    /// <summary>A loopback port that is free now, outside the OS's ephemeral range, and not handed out before by this
    /// process.</summary>
    public static int FreePort()
    {
        lock (Gate)
        {
            for (var tries = 0; tries <= Highest - Lowest; tries++)
            {
                var port = _next;
                _next = port == Highest ? Lowest : port + 1;
                if (IsFree(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free loopback port between {Lowest} and {Highest}");
    }

    private static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of the OS's ephemeral range (Linux: <c>/proc/sys/net/ipv4/ip_local_port_range</c>);
    /// 32768, the Linux default, where it cannot be read.</summary>
    private static int EphemeralRangeStart()
    {
        const int linuxDefault = 32768;
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.TryParse(range[0], out var start) && start > Lowest + 2000 ? start : linuxDefault;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return linuxDefault;
        }
    }
}

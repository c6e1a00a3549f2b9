using System.Net;
using System.Net.Sockets;

namespace MailMesh.Testing;

/// <summary>Loopback addresses for hosts a test starts itself.</summary>
public static class Loopback
{
    /// <summary>An <c>http://127.0.0.1:port</c> URL on a port that was free a moment ago (the OS picked it).</summary>
    public static string FreeHttpUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
    }
}

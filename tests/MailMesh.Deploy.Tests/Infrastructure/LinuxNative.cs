using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>The few Linux calls .NET has no API for: the effective uid, sending SIGTERM, lchown, and creating a socket in
/// another process's network namespace (setns on a thread of its own, which then ends; the socket stays in that
/// namespace, so it connects to addresses there).</summary>
internal static partial class LinuxNative
{
    private const int SigTerm = 15;
    private const int CloneNewNet = 0x40000000;

    public static bool IsRoot => OperatingSystem.IsLinux() && GetEuid() == 0;

    /// <summary>The effective uid of this process (Linux only).</summary>
    public static uint EffectiveUid => GetEuid();

    public static void Terminate(int pid)
    {
        if (Kill(pid, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, SIGTERM) failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    public static void ChangeOwner(string path, int uid, int gid)
    {
        if (LChown(path, uid, gid) != 0)
        {
            throw new IOException($"lchown({path}, {uid}, {gid}) failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>A TCP socket connected to <paramref name="endpoint"/> inside the network namespace of process
    /// <paramref name="pid"/>.</summary>
    public static async Task<Socket> ConnectInNetworkNamespaceAsync(int pid, IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var ns = File.OpenHandle($"/proc/{pid}/ns/net");
        Socket? socket = null;
        var error = 0;
        var thread = new Thread(() =>
        {
            if (SetNs((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
            {
                error = Marshal.GetLastPInvokeError();
                return;
            }

            socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        });
        thread.Start();
        thread.Join();
        if (socket is null)
        {
            throw new InvalidOperationException($"setns into the network namespace of process {pid} failed (errno {error})");
        }

        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LChown(string path, int uid, int gid);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nsType);
}

using System.Net.Sockets;
using System.Reflection;

namespace MailMesh.Protocols.Smtp.Internal;

/// <summary>
/// Lets one socket's completions run on the runtime's socket event thread instead of a thread-pool work item per
/// completion (docs/adr/protocols-03-relay-replies-on-the-socket-thread.md). On Linux a reply otherwise wakes two threads:
/// the event thread, which queues a work item, and a pool thread, which runs it. The runtime has this per socket as
/// <c>Socket.PreferInlineCompletions</c>, an internal property kept for such use through reflection (process-wide it is the
/// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c> variable); where it is missing nothing changes.
/// </summary>
internal static class InlineSocketCompletions
{
    private static readonly Action<Socket, bool>? Setter = FindSetter();

    /// <summary>Makes the completions of <paramref name="socket"/> run inline; false when the runtime does not allow it.</summary>
    public static bool TryEnable(Socket socket)
    {
        if (Setter is null)
        {
            return false;
        }

        Setter(socket, true);
        return true;
    }

    private static Action<Socket, bool>? FindSetter()
    {
        if (OperatingSystem.IsWindows())
        {
            // Completions come through the I/O completion port there; the property does not exist.
            return null;
        }

        var setter = typeof(Socket).GetProperty("PreferInlineCompletions", BindingFlags.Instance | BindingFlags.NonPublic)?.GetSetMethod(nonPublic: true);
        return setter?.CreateDelegate<Action<Socket, bool>>();
    }
}

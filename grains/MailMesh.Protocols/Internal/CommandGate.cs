namespace MailMesh.Protocols.Internal;

/// <summary>Lets one command at a time run on a session, and only in the states that allow it. Shared by the
/// IMAP and POP3 clients.</summary>
internal sealed class CommandGate
{
    private int _busy;

    /// <summary>Whether a command is running.</summary>
    public bool IsBusy => Volatile.Read(ref _busy) != 0;

    /// <summary>Enters the gate for <paramref name="command"/>; dispose the result when the command is done.</summary>
    /// <exception cref="InvalidOperationException">Another command is running, or <paramref name="state"/> is not
    /// one of <paramref name="allowed"/> (the message says which states are, and how to recover from a broken session).</exception>
    public Releaser Enter<TState>(string client, string protocol, string command, TState state, TState[] allowed, TState broken, Exception? breakReason)
        where TState : struct, Enum
    {
        if (Interlocked.Exchange(ref _busy, 1) == 1)
        {
            throw new InvalidOperationException($"{client} is already running a command; {command} must wait (one session runs one command at a time).");
        }

        if (Array.IndexOf(allowed, state) < 0)
        {
            Volatile.Write(ref _busy, 0);
            var hint = EqualityComparer<TState>.Default.Equals(state, broken) ? " Reconnect: " + breakReason?.Message : string.Empty;
            throw new InvalidOperationException($"{protocol} {command} is not allowed in state {state} (allowed: {string.Join(", ", allowed)}).{hint}");
        }

        return new Releaser(this);
    }

    /// <summary>Leaves the gate when disposed.</summary>
    public readonly struct Releaser(CommandGate gate) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => Volatile.Write(ref gate._busy, 0);
    }
}

namespace MailMesh.Protocols;

/// <summary>
/// The connection is unusable (network failure, TLS failure, malformed response, timeout): dispose the
/// client and reconnect. The base of <c>ImapProtocolException</c> and <c>Pop3ProtocolException</c>.
/// </summary>
public abstract class MailProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected MailProtocolException(ProtocolFailureKind kind, string message, Exception? innerException)
        : base(message, innerException)
    {
        Kind = kind;
    }

    /// <summary>What went wrong.</summary>
    public ProtocolFailureKind Kind { get; }

    /// <summary>
    /// True when reconnecting later may succeed (network, timeout, server closing); false when the same
    /// attempt will fail again until something changes (TLS trust, a server that sends garbage).
    /// </summary>
    public bool IsTransient => Kind is ProtocolFailureKind.Network or ProtocolFailureKind.Timeout or ProtocolFailureKind.ServerClosed;
}

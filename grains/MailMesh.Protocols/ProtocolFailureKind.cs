namespace MailMesh.Protocols;

/// <summary>Why a mail protocol connection became unusable.</summary>
public enum ProtocolFailureKind
{
    /// <summary>TCP connect failed, or the connection was reset or closed by the server.</summary>
    Network,

    /// <summary>The TLS handshake failed, most often because the server certificate is not trusted.</summary>
    Tls,

    /// <summary>The server did not answer within the configured timeout.</summary>
    Timeout,

    /// <summary>The server sent something the client cannot parse or that breaks its own limits.</summary>
    MalformedResponse,

    /// <summary>The server announced it is closing the connection (IMAP BYE, POP3 -ERR greeting).</summary>
    ServerClosed,

    /// <summary>The operation was cancelled while a command was in flight, so the session state is unknown.</summary>
    Cancelled,
}

namespace MailMesh.Protocols.Pop3;

/// <summary>The state of one POP3 connection (RFC 1939 section 3).</summary>
public enum Pop3SessionState
{
    /// <summary>Not connected (initially, after QUIT or disposal).</summary>
    Disconnected,

    /// <summary>Greeted; USER/PASS, APOP, AUTH, STLS and CAPA allowed.</summary>
    Authorization,

    /// <summary>Logged in: the maildrop is locked; STAT, LIST, UIDL, TOP, RETR, DELE, RSET, NOOP.</summary>
    Transaction,

    /// <summary>The connection failed or the protocol went out of sync; dispose and reconnect (deletions are not committed).</summary>
    Broken,
}

namespace MailMesh.Protocols.Imap;

/// <summary>The state of one IMAP connection (RFC 3501 section 3, plus IDLE and Broken).</summary>
public enum ImapSessionState
{
    /// <summary>Not connected (initially, after LOGOUT or after disposal).</summary>
    Disconnected,

    /// <summary>Connected and greeted; LOGIN/AUTHENTICATE/STARTTLS allowed.</summary>
    NotAuthenticated,

    /// <summary>Logged in; no mailbox selected.</summary>
    Authenticated,

    /// <summary>A mailbox is selected (SELECT or EXAMINE).</summary>
    Selected,

    /// <summary>IDLE is running; only DONE may be sent.</summary>
    Idle,

    /// <summary>The connection failed or the protocol went out of sync; dispose and reconnect.</summary>
    Broken,
}

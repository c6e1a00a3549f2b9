namespace MailMesh.Protocols;

/// <summary>How a mail protocol client secures its connection.</summary>
public enum TlsMode
{
    /// <summary>Plain TCP; credentials travel in clear text. Only for loopback or trusted networks.</summary>
    None,

    /// <summary>TLS from the first byte (IMAPS on 993, POP3S on 995).</summary>
    Implicit,

    /// <summary>Plain connect, then upgrade with STARTTLS (IMAP) or STLS (POP3); fails if the server does not offer it.</summary>
    StartTls,
}

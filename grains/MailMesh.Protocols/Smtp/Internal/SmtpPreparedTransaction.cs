namespace MailMesh.Protocols.Smtp.Internal;

/// <summary>One mail transaction checked against a session's extensions (SIZE, 8BITMIME, SMTPUTF8, DSN) with its MAIL
/// and RCPT commands built: what a session sends next, or announces behind the data of the message before it
/// (<see cref="SmtpClient.SendPreparedAsync"/>). Bound to the session that prepared it.</summary>
internal sealed class SmtpPreparedTransaction
{
    internal SmtpPreparedTransaction(SmtpClient session, SmtpEnvelope envelope, ReadOnlyMemory<byte> message, SmtpContentInfo content, string commands, int mailLength)
    {
        Session = session;
        Envelope = envelope;
        Message = message;
        Content = content;
        Commands = commands;
        MailLength = mailLength;
    }

    /// <summary>The session whose extensions the commands were built for.</summary>
    public SmtpClient Session { get; }

    /// <summary>The envelope.</summary>
    public SmtpEnvelope Envelope { get; }

    /// <summary>The message as given.</summary>
    public ReadOnlyMemory<byte> Message { get; }

    /// <summary>What the message needs on the wire.</summary>
    public SmtpContentInfo Content { get; }

    /// <summary>MAIL FROM and one RCPT TO per recipient, each ending with CRLF.</summary>
    public string Commands { get; }

    /// <summary>The length of the MAIL FROM command (with its CRLF) at the start of <see cref="Commands"/>.</summary>
    public int MailLength { get; }
}

namespace MailMesh.Protocols.Smtp.Internal;

/// <summary>One mail transaction checked against a session's extensions (SIZE, 8BITMIME, SMTPUTF8, DSN) with its MAIL
/// and RCPT commands built: what a session sends next, or announces behind the data of the message before it
/// (<see cref="SmtpClient.SendPreparedAsync"/>). Bound to the session that prepared it; the session and the pool tell
/// one transaction from another with <see cref="object.ReferenceEquals"/>, never by value.</summary>
/// <param name="Session">The session whose extensions the commands were built for.</param>
/// <param name="Envelope">The envelope.</param>
/// <param name="Message">The message as given.</param>
/// <param name="Content">What the message needs on the wire.</param>
/// <param name="Commands">MAIL FROM and one RCPT TO per recipient, each ending with CRLF.</param>
/// <param name="MailLength">The length of the MAIL FROM command (with its CRLF) at the start of <paramref name="Commands"/>.</param>
internal sealed record SmtpPreparedTransaction(
    SmtpClient Session, SmtpEnvelope Envelope, ReadOnlyMemory<byte> Message, SmtpContentInfo Content, string Commands, int MailLength);

namespace MailMesh.Protocols.Imap;

/// <summary>Which body section a literal holds.</summary>
public enum ImapBodySection
{
    /// <summary>BODY[]: the whole message.</summary>
    Full,

    /// <summary>BODY[HEADER].</summary>
    Header,
}

/// <summary>A body literal about to be streamed.</summary>
/// <param name="SequenceNumber">The message sequence number.</param>
/// <param name="Uid">The UID when the server sent it before the body (Dovecot and most servers do, as the client asks for it first).</param>
/// <param name="Section">Which section.</param>
/// <param name="Length">The literal length in bytes, as announced.</param>
public readonly record struct ImapBodyPart(uint SequenceNumber, uint? Uid, ImapBodySection Section, long Length);

/// <summary>
/// Receives a UID FETCH as it arrives, so large messages are streamed instead of buffered: bodies go
/// to the stream <see cref="OpenBodyAsync"/> returns, then <see cref="MessageFetchedAsync"/> is called
/// with the message's other attributes. The client never disposes the streams it is given.
/// </summary>
public interface IImapFetchSink
{
    /// <summary>Returns where the body bytes go, or null to discard them.</summary>
    ValueTask<Stream?> OpenBodyAsync(ImapBodyPart part, CancellationToken cancellationToken);

    /// <summary>Called once per FETCH response, after its bodies were written.</summary>
    ValueTask MessageFetchedAsync(ImapFetchedMessage message, CancellationToken cancellationToken);
}

namespace MailMesh.Protocols.Imap;

/// <summary>Something changed in the selected mailbox (raised during any command and during IDLE).</summary>
public abstract class ImapMailboxEventArgs : EventArgs
{
    /// <summary>Creates the event.</summary>
    protected ImapMailboxEventArgs(string mailbox)
    {
        Mailbox = mailbox;
    }

    /// <summary>The selected mailbox's name.</summary>
    public string Mailbox { get; }
}

/// <summary>EXISTS: the message count is now <see cref="Count"/> (new mail when it grew).</summary>
public sealed class ImapExistsEventArgs(string mailbox, uint count) : ImapMailboxEventArgs(mailbox)
{
    /// <summary>The new message count.</summary>
    public uint Count { get; } = count;
}

/// <summary>EXPUNGE: the message with this sequence number was removed (later numbers shift down by one).</summary>
public sealed class ImapExpungedEventArgs(string mailbox, uint sequenceNumber) : ImapMailboxEventArgs(mailbox)
{
    /// <summary>The removed message's sequence number.</summary>
    public uint SequenceNumber { get; } = sequenceNumber;
}

/// <summary>VANISHED (QRESYNC): these UIDs were expunged.</summary>
public sealed class ImapVanishedEventArgs(string mailbox, ImapUidSet uids, bool earlier) : ImapMailboxEventArgs(mailbox)
{
    /// <summary>The expunged UIDs.</summary>
    public ImapUidSet Uids { get; } = uids;

    /// <summary>True for <c>VANISHED (EARLIER)</c>: expunged before now; counts were not affected.</summary>
    public bool Earlier { get; } = earlier;
}

/// <summary>An unsolicited FETCH: a message's flags (and mod-sequence) changed.</summary>
public sealed class ImapFlagsChangedEventArgs(string mailbox, ImapFetchedMessage message) : ImapMailboxEventArgs(mailbox)
{
    /// <summary>The message's new attributes.</summary>
    public ImapFetchedMessage Message { get; } = message;
}

/// <summary>An <c>[ALERT]</c> the server wants shown to the user.</summary>
public sealed class ImapAlertEventArgs(string text) : EventArgs
{
    /// <summary>The alert text.</summary>
    public string Text { get; } = text;
}

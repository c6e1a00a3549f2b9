namespace MailMesh.Protocols.Imap;

/// <summary>
/// The selected mailbox, kept current from SELECT/EXAMINE responses and later unsolicited responses
/// (EXISTS, EXPUNGE, VANISHED, UIDNEXT, HIGHESTMODSEQ, FLAGS).
/// </summary>
public sealed class ImapMailbox
{
    internal ImapMailbox(string name, bool readOnly)
    {
        Name = name;
        IsReadOnly = readOnly;
    }

    /// <summary>The mailbox name as given to SELECT.</summary>
    public string Name { get; }

    /// <summary>True after EXAMINE or a <c>[READ-ONLY]</c> SELECT.</summary>
    public bool IsReadOnly { get; internal set; }

    /// <summary>UIDVALIDITY; when it changes, every cached UID of the mailbox is void.</summary>
    public uint UidValidity { get; internal set; }

    /// <summary>The predicted next UID (0 if the server did not say).</summary>
    public uint UidNext { get; internal set; }

    /// <summary>HIGHESTMODSEQ (CONDSTORE), 0 when the server did not report one.</summary>
    public ulong HighestModSeq { get; internal set; }

    /// <summary>True when the server said <c>[NOMODSEQ]</c>: no mod-sequences for this mailbox.</summary>
    public bool NoModSeq { get; internal set; }

    /// <summary>The number of messages (EXISTS).</summary>
    public uint Count { get; internal set; }

    /// <summary>The number of \Recent messages.</summary>
    public uint Recent { get; internal set; }

    /// <summary>The flags defined in the mailbox.</summary>
    public IReadOnlyList<string> Flags { get; internal set; } = [];

    /// <summary>The flags the client may change permanently (<c>\*</c> allows new keywords).</summary>
    public IReadOnlyList<string> PermanentFlags { get; internal set; } = [];
}

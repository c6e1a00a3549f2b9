namespace MailMesh.Protocols.Imap;

/// <summary>What to fetch per message. UID is always fetched.</summary>
[Flags]
public enum ImapFetchItems
{
    /// <summary>UID only.</summary>
    Uid = 0,

    /// <summary>FLAGS.</summary>
    Flags = 1,

    /// <summary>RFC822.SIZE.</summary>
    Size = 2,

    /// <summary>INTERNALDATE.</summary>
    InternalDate = 4,

    /// <summary>ENVELOPE.</summary>
    Envelope = 8,

    /// <summary>MODSEQ (CONDSTORE).</summary>
    ModSeq = 16,

    /// <summary>BODY.PEEK[HEADER]: the header block (does not set \Seen).</summary>
    Headers = 32,

    /// <summary>BODY.PEEK[]: the whole raw message (does not set \Seen).</summary>
    Body = 64,

    /// <summary>FLAGS, UID, RFC822.SIZE and INTERNALDATE: what a sync needs to reconcile.</summary>
    Summary = Flags | Size | InternalDate,
}

/// <summary>A UID FETCH request.</summary>
public sealed class ImapFetchRequest
{
    /// <summary>Creates a request for <paramref name="items"/>.</summary>
    public ImapFetchRequest(ImapFetchItems items)
    {
        Items = items;
    }

    /// <summary>The items to fetch.</summary>
    public ImapFetchItems Items { get; }

    /// <summary>CONDSTORE: only messages whose mod-sequence is greater than this (CHANGEDSINCE).</summary>
    public ulong? ChangedSince { get; init; }

    /// <summary>QRESYNC: with <see cref="ChangedSince"/>, also report expunged UIDs (VANISHED).</summary>
    public bool Vanished { get; init; }

    /// <summary>UIDs per command when the set is split into pipelined batches; null uses the client option.</summary>
    public int? BatchSize { get; init; }
}

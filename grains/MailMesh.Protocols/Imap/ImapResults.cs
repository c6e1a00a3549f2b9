namespace MailMesh.Protocols.Imap;

/// <summary>Where COPY or MOVE put the messages (from COPYUID). The n-th source UID became the n-th destination UID.</summary>
public sealed record ImapCopyResult(uint UidValidity, ImapUidSet SourceUids, ImapUidSet DestinationUids)
{
    /// <summary>Source UID to destination UID.</summary>
    public IReadOnlyDictionary<uint, uint> GetUidMap()
    {
        var map = new Dictionary<uint, uint>();
        using var destination = DestinationUids.GetEnumerator();
        foreach (var source in SourceUids)
        {
            if (!destination.MoveNext())
            {
                break;
            }

            map[source] = destination.Current;
        }

        return map;
    }
}

/// <summary>The UID the server gave an appended message (from APPENDUID).</summary>
public sealed record ImapAppendResult(uint UidValidity, uint Uid);

/// <summary>What a UID STORE changed.</summary>
public sealed class ImapStoreResult
{
    internal ImapStoreResult(ImapUidSet modified, IReadOnlyList<ImapFetchedMessage> updated)
    {
        Modified = modified;
        Updated = updated;
    }

    /// <summary>
    /// With UNCHANGEDSINCE: the messages NOT stored because they changed since that mod-sequence
    /// (the MODIFIED response code, RFC 7162). Empty otherwise.
    /// </summary>
    public ImapUidSet Modified { get; }

    /// <summary>The new flags the server reported (empty for .SILENT stores unless another client changed them).</summary>
    public IReadOnlyList<ImapFetchedMessage> Updated { get; }
}

/// <summary>The outcome of a UID FETCH.</summary>
public sealed class ImapFetchResult
{
    internal ImapFetchResult(int count, ImapUidSet vanished, IReadOnlyList<ImapFetchedMessage> messages)
    {
        Count = count;
        Vanished = vanished;
        Messages = messages;
    }

    /// <summary>How many FETCH responses were received.</summary>
    public int Count { get; }

    /// <summary>UIDs reported expunged by <c>VANISHED (EARLIER)</c> (QRESYNC fetch with <see cref="ImapFetchRequest.Vanished"/>).</summary>
    public ImapUidSet Vanished { get; }

    /// <summary>The messages, when fetched without a sink; empty when a sink received them.</summary>
    public IReadOnlyList<ImapFetchedMessage> Messages { get; }
}

/// <summary>The outcome of SELECT or EXAMINE.</summary>
public sealed class ImapSelectResult
{
    internal ImapSelectResult(ImapMailbox mailbox, ImapUidSet vanished, IReadOnlyList<ImapFetchedMessage> changed)
    {
        Mailbox = mailbox;
        Vanished = vanished;
        Changed = changed;
    }

    /// <summary>The selected mailbox; the same object as <see cref="ImapClient.Selected"/>, kept up to date.</summary>
    public ImapMailbox Mailbox { get; }

    /// <summary>With QRESYNC: UIDs expunged since the given mod-sequence.</summary>
    public ImapUidSet Vanished { get; }

    /// <summary>With QRESYNC: messages whose flags changed since the given mod-sequence.</summary>
    public IReadOnlyList<ImapFetchedMessage> Changed { get; }
}

/// <summary>QRESYNC parameters for SELECT (RFC 7162 section 3.2.5): what the client knew last time.</summary>
public sealed record ImapQResyncParameters(uint UidValidity, ulong ModSeq, ImapUidSet? KnownUids = null);

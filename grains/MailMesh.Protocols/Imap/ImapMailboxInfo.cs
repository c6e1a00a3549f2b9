namespace MailMesh.Protocols.Imap;

/// <summary>Special-use roles (RFC 6154).</summary>
[Flags]
public enum ImapSpecialUse
{
    /// <summary>No special use.</summary>
    None = 0,

    /// <summary>\All: a virtual view of every message.</summary>
    All = 1,

    /// <summary>\Archive.</summary>
    Archive = 2,

    /// <summary>\Drafts.</summary>
    Drafts = 4,

    /// <summary>\Flagged: a virtual view of flagged messages.</summary>
    Flagged = 8,

    /// <summary>\Junk.</summary>
    Junk = 16,

    /// <summary>\Sent.</summary>
    Sent = 32,

    /// <summary>\Trash.</summary>
    Trash = 64,

    /// <summary>\Important (RFC 8457).</summary>
    Important = 128,
}

/// <summary>STATUS data items (RFC 3501 6.3.10, RFC 7162).</summary>
[Flags]
public enum ImapStatusItems
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>MESSAGES.</summary>
    Messages = 1,

    /// <summary>RECENT.</summary>
    Recent = 2,

    /// <summary>UIDNEXT.</summary>
    UidNext = 4,

    /// <summary>UIDVALIDITY.</summary>
    UidValidity = 8,

    /// <summary>UNSEEN.</summary>
    Unseen = 16,

    /// <summary>HIGHESTMODSEQ (needs CONDSTORE).</summary>
    HighestModSeq = 32,
}

/// <summary>The STATUS of a mailbox; items not requested are null.</summary>
public sealed class ImapMailboxStatus
{
    /// <summary>MESSAGES.</summary>
    public uint? Messages { get; internal set; }

    /// <summary>RECENT.</summary>
    public uint? Recent { get; internal set; }

    /// <summary>UIDNEXT.</summary>
    public uint? UidNext { get; internal set; }

    /// <summary>UIDVALIDITY.</summary>
    public uint? UidValidity { get; internal set; }

    /// <summary>UNSEEN.</summary>
    public uint? Unseen { get; internal set; }

    /// <summary>HIGHESTMODSEQ.</summary>
    public ulong? HighestModSeq { get; internal set; }
}

/// <summary>One mailbox from LIST, with its special use and (LIST-STATUS) status.</summary>
public sealed class ImapMailboxInfo
{
    internal ImapMailboxInfo(string name, char? delimiter, IReadOnlyList<string> attributes)
    {
        Name = name;
        Delimiter = delimiter;
        Attributes = attributes;
        foreach (var attribute in attributes)
        {
            SpecialUse |= attribute.ToUpperInvariant() switch
            {
                "\\ALL" => ImapSpecialUse.All,
                "\\ARCHIVE" => ImapSpecialUse.Archive,
                "\\DRAFTS" => ImapSpecialUse.Drafts,
                "\\FLAGGED" => ImapSpecialUse.Flagged,
                "\\JUNK" => ImapSpecialUse.Junk,
                "\\SENT" => ImapSpecialUse.Sent,
                "\\TRASH" => ImapSpecialUse.Trash,
                "\\IMPORTANT" => ImapSpecialUse.Important,
                _ => ImapSpecialUse.None,
            };
        }
    }

    /// <summary>The full name, decoded from modified UTF-7 when needed.</summary>
    public string Name { get; }

    /// <summary>The hierarchy delimiter, or null for a flat namespace.</summary>
    public char? Delimiter { get; }

    /// <summary>Name attributes as sent (e.g. <c>\HasNoChildren</c>, <c>\Sent</c>).</summary>
    public IReadOnlyList<string> Attributes { get; }

    /// <summary>The special-use roles among the attributes.</summary>
    public ImapSpecialUse SpecialUse { get; }

    /// <summary>False for \Noselect and \NonExistent names (hierarchy placeholders).</summary>
    public bool CanSelect => !Attributes.Any(a =>
        a.Equals("\\Noselect", StringComparison.OrdinalIgnoreCase) || a.Equals("\\NonExistent", StringComparison.OrdinalIgnoreCase));

    /// <summary>The status returned with LIST-STATUS, when requested and supported.</summary>
    public ImapMailboxStatus? Status { get; internal set; }

    /// <inheritdoc />
    public override string ToString() => Name;
}

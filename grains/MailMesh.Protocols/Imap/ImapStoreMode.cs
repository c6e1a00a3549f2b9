namespace MailMesh.Protocols.Imap;

/// <summary>How UID STORE changes flags.</summary>
public enum ImapStoreMode
{
    /// <summary>+FLAGS: add.</summary>
    Add,

    /// <summary>-FLAGS: remove.</summary>
    Remove,

    /// <summary>FLAGS: replace.</summary>
    Replace,
}

/// <summary>Flags and internal date for APPEND.</summary>
public sealed class ImapAppendOptions
{
    /// <summary>Flags to set on the new message (e.g. <c>\Seen</c>).</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>The INTERNALDATE to give the message; null lets the server use now.</summary>
    public DateTimeOffset? InternalDate { get; init; }
}

namespace MailMesh.Protocols.Imap;

/// <summary>The attributes of one message from a FETCH response; items not fetched are null.</summary>
public sealed class ImapFetchedMessage
{
    internal ImapFetchedMessage(uint sequenceNumber)
    {
        SequenceNumber = sequenceNumber;
    }

    /// <summary>The message sequence number at the time of the response.</summary>
    public uint SequenceNumber { get; }

    /// <summary>UID.</summary>
    public uint? Uid { get; internal set; }

    /// <summary>FLAGS (system flags as <c>\Seen</c> etc., keywords as sent).</summary>
    public IReadOnlyList<string>? Flags { get; internal set; }

    /// <summary>RFC822.SIZE in bytes.</summary>
    public long? Size { get; internal set; }

    /// <summary>INTERNALDATE.</summary>
    public DateTimeOffset? InternalDate { get; internal set; }

    /// <summary>MODSEQ.</summary>
    public ulong? ModSeq { get; internal set; }

    /// <summary>ENVELOPE.</summary>
    public ImapEnvelope? Envelope { get; internal set; }

    /// <summary>BODY[HEADER], when fetched without a sink.</summary>
    public ReadOnlyMemory<byte>? Headers { get; internal set; }

    /// <summary>BODY[], when fetched without a sink.</summary>
    public ReadOnlyMemory<byte>? Body { get; internal set; }

    /// <summary>True when <see cref="Flags"/> contains <paramref name="flag"/> (case-insensitive).</summary>
    public bool HasFlag(string flag) => Flags?.Any(f => f.Equals(flag, StringComparison.OrdinalIgnoreCase)) == true;
}

/// <summary>An address from an ENVELOPE; <see cref="Name"/> is raw (may hold RFC 2047 encoded words).</summary>
public sealed record ImapAddress(string? Name, string? Mailbox, string? Host)
{
    /// <summary><c>mailbox@host</c>, or the mailbox alone for group syntax markers.</summary>
    public string Address => Host is null ? Mailbox ?? string.Empty : Mailbox + "@" + Host;

    /// <inheritdoc />
    public override string ToString() => Name is null ? Address : $"{Name} <{Address}>";
}

/// <summary>
/// The ENVELOPE structure (RFC 3501 7.4.2). Strings are as the server sent them: <see cref="Subject"/>
/// and names may contain RFC 2047 encoded words for the MIME layer to decode.
/// </summary>
public sealed class ImapEnvelope
{
    /// <summary>The Date header, raw.</summary>
    public string? Date { get; internal set; }

    /// <summary>The Subject header, raw.</summary>
    public string? Subject { get; internal set; }

    /// <summary>From.</summary>
    public IReadOnlyList<ImapAddress> From { get; internal set; } = [];

    /// <summary>Sender.</summary>
    public IReadOnlyList<ImapAddress> Sender { get; internal set; } = [];

    /// <summary>Reply-To.</summary>
    public IReadOnlyList<ImapAddress> ReplyTo { get; internal set; } = [];

    /// <summary>To.</summary>
    public IReadOnlyList<ImapAddress> To { get; internal set; } = [];

    /// <summary>Cc.</summary>
    public IReadOnlyList<ImapAddress> Cc { get; internal set; } = [];

    /// <summary>Bcc.</summary>
    public IReadOnlyList<ImapAddress> Bcc { get; internal set; } = [];

    /// <summary>In-Reply-To, raw.</summary>
    public string? InReplyTo { get; internal set; }

    /// <summary>Message-ID, raw (with angle brackets).</summary>
    public string? MessageId { get; internal set; }
}

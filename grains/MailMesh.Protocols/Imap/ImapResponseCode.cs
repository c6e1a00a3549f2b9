namespace MailMesh.Protocols.Imap;

/// <summary>A bracketed response code such as <c>[UIDVALIDITY 3857529045]</c> or <c>[COPYUID 38505 304 3956]</c>.</summary>
public sealed class ImapResponseCode
{
    internal ImapResponseCode(string name)
    {
        Name = name;
    }

    /// <summary>The code name in upper case (e.g. <c>TRYCREATE</c>, <c>AUTHENTICATIONFAILED</c>).</summary>
    public string Name { get; }

    /// <summary>The arguments of a code this client does not interpret, as sent.</summary>
    public string? Text { get; internal set; }

    /// <summary>A number argument (UIDVALIDITY, UIDNEXT, UNSEEN, HIGHESTMODSEQ).</summary>
    public ulong? Number { get; internal set; }

    /// <summary>COPYUID (RFC 4315) after COPY or MOVE.</summary>
    public ImapCopyResult? CopyUid { get; internal set; }

    /// <summary>APPENDUID (RFC 4315) after APPEND.</summary>
    public ImapAppendResult? AppendUid { get; internal set; }

    /// <summary>Every UID of an APPENDUID (several after MULTIAPPEND, RFC 3502).</summary>
    public ImapUidSet? AppendUids { get; internal set; }

    /// <summary>MODIFIED (RFC 7162): messages a conditional STORE did not change.</summary>
    public ImapUidSet? Modified { get; internal set; }

    /// <summary>CAPABILITY or PERMANENTFLAGS list items.</summary>
    public IReadOnlyList<string>? Items { get; internal set; }

    /// <inheritdoc />
    public override string ToString() => Text is null ? Name : Name + " " + Text;
}

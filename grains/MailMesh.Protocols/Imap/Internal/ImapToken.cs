namespace MailMesh.Protocols.Imap.Internal;

internal enum ImapTokenKind : byte
{
    Atom,
    QuotedString,
    Literal,
    OpenParen,
    CloseParen,
    OpenBracket,
    CloseBracket,
    Eol,
}

/// <summary>
/// One lexical token. Atoms and quoted strings point into the reader's buffer and are valid only until
/// the next read; a literal token carries its announced length and its bytes are read separately.
/// </summary>
internal readonly struct ImapToken
{
    public ImapToken(ImapTokenKind kind, int start = 0, int length = 0, long literalLength = 0)
    {
        Kind = kind;
        Start = start;
        Length = length;
        LiteralLength = literalLength;
    }

    public ImapTokenKind Kind { get; }

    public int Start { get; }

    public int Length { get; }

    public long LiteralLength { get; }

    public bool IsString => Kind is ImapTokenKind.Atom or ImapTokenKind.QuotedString;

    public override string ToString() => Kind.ToString();
}

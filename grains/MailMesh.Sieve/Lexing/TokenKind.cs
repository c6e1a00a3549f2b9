namespace MailMesh.Sieve.Lexing;

/// <summary>The kinds of Sieve tokens (RFC 5228 section 8.1).</summary>
public enum TokenKind
{
    /// <summary>A command or test name.</summary>
    Identifier,

    /// <summary>A tagged argument such as <c>:contains</c>.</summary>
    Tag,

    /// <summary>A number, quantifier already applied.</summary>
    Number,

    /// <summary>A quoted string.</summary>
    QuotedString,

    /// <summary>A <c>text:</c> multi-line string.</summary>
    MultiLineString,

    /// <summary><c>[</c></summary>
    LeftBracket,

    /// <summary><c>]</c></summary>
    RightBracket,

    /// <summary><c>(</c></summary>
    LeftParen,

    /// <summary><c>)</c></summary>
    RightParen,

    /// <summary><c>{</c></summary>
    LeftBrace,

    /// <summary><c>}</c></summary>
    RightBrace,

    /// <summary><c>,</c></summary>
    Comma,

    /// <summary><c>;</c></summary>
    Semicolon,

    /// <summary>End of the script.</summary>
    EndOfInput,
}

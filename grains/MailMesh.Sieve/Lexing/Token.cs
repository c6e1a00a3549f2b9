namespace MailMesh.Sieve.Lexing;

/// <summary>One lexical token: its kind, text (string value, identifier or tag name) and position.</summary>
/// <param name="Kind">The token kind.</param>
/// <param name="Text">Identifier/tag name (tag without colon) or the string's value.</param>
/// <param name="Number">The value of a number token.</param>
/// <param name="Position">Where the token starts.</param>
public readonly record struct Token(TokenKind Kind, string Text, long Number, SourcePosition Position)
{
    /// <summary>Describes the token for error messages.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.Identifier => $"identifier '{Text}'",
        TokenKind.Tag => $"tag ':{Text}'",
        TokenKind.Number => $"number {Number}",
        TokenKind.QuotedString or TokenKind.MultiLineString => "string",
        TokenKind.LeftBracket => "'['",
        TokenKind.RightBracket => "']'",
        TokenKind.LeftParen => "'('",
        TokenKind.RightParen => "')'",
        TokenKind.LeftBrace => "'{'",
        TokenKind.RightBrace => "'}'",
        TokenKind.Comma => "','",
        TokenKind.Semicolon => "';'",
        _ => "end of script",
    };
}

using MailMesh.Sieve.Lexing;

namespace MailMesh.Sieve.Tests.Parsing;

public sealed class SieveLexerTests
{
    private static List<Token> Lex(string source, List<SieveDiagnostic>? diagnostics = null) =>
        new SieveLexer(source, diagnostics ?? [], "t").Tokenize();

    [Fact]
    public void Tokenize_NumbersWithQuantifiers_AppliesMultiplier()
    {
        var tokens = Lex("size :over 10K 2M 1G 7;");
        Assert.Equal([10L * 1024, 2L * 1024 * 1024, 1L << 30, 7], tokens.Where(t => t.Kind == TokenKind.Number).Select(t => t.Number));
    }

    [Fact]
    public void Tokenize_NumberTooLarge_ReportsErrorWithPosition()
    {
        var diagnostics = new List<SieveDiagnostic>();
        Lex("\n  99999999999999999999G;", diagnostics);
        var error = Assert.Single(diagnostics);
        Assert.Equal(new SourcePosition(2, 3), error.Position);
        Assert.Contains("too large", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenize_QuotedStringEscapes_UnescapesQuoteAndBackslashAndDropsOthers()
    {
        var token = Lex("\"a\\\"b\\\\c\\d\"")[0];
        Assert.Equal(TokenKind.QuotedString, token.Kind);
        Assert.Equal("a\"b\\cd", token.Text);
    }

    [Fact]
    public void Tokenize_MultiLineString_RemovesDotStuffingAndUsesCrlf()
    {
        var token = Lex("text: # comment\n..dotted\nplain\n.\n;")[0];
        Assert.Equal(TokenKind.MultiLineString, token.Kind);
        Assert.Equal(".dotted\r\nplain\r\n", token.Text);
    }

    [Fact]
    public void Tokenize_MultiLineStringUnterminated_ReportsWhereItStarted()
    {
        var diagnostics = new List<SieveDiagnostic>();
        Lex("keep;\nvacation text:\nno end", diagnostics);
        var error = Assert.Single(diagnostics);
        Assert.Equal(new SourcePosition(2, 10), error.Position);
        Assert.Contains("expected a line holding only '.'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenize_Comments_AreSkipped()
    {
        var tokens = Lex("# hash\nkeep /* bracket\n comment */ ;");
        Assert.Equal([TokenKind.Identifier, TokenKind.Semicolon, TokenKind.EndOfInput], tokens.Select(t => t.Kind));
        Assert.Equal(new SourcePosition(3, 13), tokens[1].Position);
    }

    [Fact]
    public void Tokenize_UnterminatedBracketComment_ReportsError()
    {
        var diagnostics = new List<SieveDiagnostic>();
        Lex("keep; /* never closed", diagnostics);
        Assert.Contains("'*/'", Assert.Single(diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenize_IdentifiersAndTags_AreLowerCased()
    {
        var tokens = Lex("FileInto :COPY");
        Assert.Equal(("fileinto", "copy"), (tokens[0].Text, tokens[1].Text));
        Assert.Equal(TokenKind.Tag, tokens[1].Kind);
    }

    [Fact]
    public void Tokenize_UnexpectedCharacter_ReportsItAndContinues()
    {
        var diagnostics = new List<SieveDiagnostic>();
        var tokens = Lex("keep; @ stop;", diagnostics);
        Assert.Contains("unexpected character '@'", Assert.Single(diagnostics).Message, StringComparison.Ordinal);
        Assert.Contains(tokens, t => t.Text == "stop");
    }
}

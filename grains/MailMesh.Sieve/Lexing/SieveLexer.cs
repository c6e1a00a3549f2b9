using System.Text;

namespace MailMesh.Sieve.Lexing;

/// <summary>
/// Splits a Sieve script into tokens (RFC 5228 section 8.1). Lexical errors are reported to the
/// diagnostic list and the lexer carries on, so one pass reports several errors.
/// </summary>
public sealed class SieveLexer
{
    private readonly string _source;
    private readonly List<SieveDiagnostic> _diagnostics;
    private readonly string? _scriptName;
    private int _offset;
    private int _line = 1;
    private int _lineStart;

    /// <summary>Creates a lexer over <paramref name="source"/>, reporting problems to <paramref name="diagnostics"/>.</summary>
    public SieveLexer(string source, List<SieveDiagnostic> diagnostics, string? scriptName = null)
    {
        _source = source;
        _diagnostics = diagnostics;
        _scriptName = scriptName;
    }

    /// <summary>Reads every token; the last one is <see cref="TokenKind.EndOfInput"/>.</summary>
    public List<Token> Tokenize()
    {
        var tokens = new List<Token>();
        while (true)
        {
            var token = Next();
            tokens.Add(token);
            if (token.Kind == TokenKind.EndOfInput)
            {
                return tokens;
            }
        }
    }

    private SourcePosition Position => new(_line, _offset - _lineStart + 1);

    private void Error(SourcePosition position, string message) =>
        _diagnostics.Add(new SieveDiagnostic(SieveDiagnosticSeverity.Error, position, message, _scriptName));

    private char Peek(int ahead = 0) => _offset + ahead < _source.Length ? _source[_offset + ahead] : '\0';

    private bool AtEnd => _offset >= _source.Length;

    private void Advance()
    {
        if (_source[_offset] == '\n')
        {
            _line++;
            _lineStart = _offset + 1;
        }

        _offset++;
    }

    private Token Next()
    {
        while (true)
        {
            SkipWhitespace();
            if (AtEnd)
            {
                return new Token(TokenKind.EndOfInput, string.Empty, 0, Position);
            }

            var start = Position;
            var c = Peek();
            switch (c)
            {
                case '#':
                    while (!AtEnd && Peek() != '\n')
                    {
                        Advance();
                    }

                    continue;
                case '/' when Peek(1) == '*':
                    SkipBracketComment(start);
                    continue;
                case '[': Advance(); return new Token(TokenKind.LeftBracket, "[", 0, start);
                case ']': Advance(); return new Token(TokenKind.RightBracket, "]", 0, start);
                case '(': Advance(); return new Token(TokenKind.LeftParen, "(", 0, start);
                case ')': Advance(); return new Token(TokenKind.RightParen, ")", 0, start);
                case '{': Advance(); return new Token(TokenKind.LeftBrace, "{", 0, start);
                case '}': Advance(); return new Token(TokenKind.RightBrace, "}", 0, start);
                case ',': Advance(); return new Token(TokenKind.Comma, ",", 0, start);
                case ';': Advance(); return new Token(TokenKind.Semicolon, ";", 0, start);
                case '"': return ReadQuotedString(start);
                case ':':
                    Advance();
                    if (IsIdentifierStart(Peek()))
                    {
                        return new Token(TokenKind.Tag, ReadIdentifier().ToLowerInvariant(), 0, start);
                    }

                    Error(start, "expected an identifier after ':' (a tag such as :is)");
                    continue;
                default:
                    if (c is >= '0' and <= '9')
                    {
                        return ReadNumber(start);
                    }

                    if (IsIdentifierStart(c))
                    {
                        var identifier = ReadIdentifier();
                        if (identifier.Equals("text", StringComparison.OrdinalIgnoreCase) && Peek() == ':')
                        {
                            Advance();
                            return ReadMultiLine(start);
                        }

                        return new Token(TokenKind.Identifier, identifier.ToLowerInvariant(), 0, start);
                    }

                    Error(start, $"unexpected character '{Printable(c)}'");
                    Advance();
                    continue;
            }
        }
    }

    private static string Printable(char c) => c < ' ' || c == 0x7f ? $"\\x{(int)c:X2}" : c.ToString();

    private static bool IsIdentifierStart(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_';

    private static bool IsIdentifierPart(char c) => IsIdentifierStart(c) || c is >= '0' and <= '9';

    private void SkipWhitespace()
    {
        while (!AtEnd && Peek() is ' ' or '\t' or '\r' or '\n')
        {
            Advance();
        }
    }

    private void SkipBracketComment(SourcePosition start)
    {
        Advance();
        Advance();
        while (!AtEnd)
        {
            if (Peek() == '*' && Peek(1) == '/')
            {
                Advance();
                Advance();
                return;
            }

            Advance();
        }

        Error(start, "unterminated bracket comment: expected '*/' before the end of the script");
    }

    private string ReadIdentifier()
    {
        var begin = _offset;
        while (!AtEnd && IsIdentifierPart(Peek()))
        {
            Advance();
        }

        return _source[begin.._offset];
    }

    private Token ReadNumber(SourcePosition start)
    {
        var begin = _offset;
        while (!AtEnd && Peek() is >= '0' and <= '9')
        {
            Advance();
        }

        var digits = _source.AsSpan(begin, _offset - begin);
        long multiplier = char.ToUpperInvariant(Peek()) switch
        {
            'K' => 1L << 10,
            'M' => 1L << 20,
            'G' => 1L << 30,
            _ => 1,
        };
        if (multiplier != 1)
        {
            Advance();
        }

        if (IsIdentifierStart(Peek()))
        {
            Error(Position, $"unexpected character '{Peek()}' after number: expected a space or one of the quantifiers K, M, G");
        }

        if (!long.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            || value > long.MaxValue / multiplier)
        {
            Error(start, $"number {digits.ToString()}{(multiplier == 1 ? string.Empty : "*" + multiplier)} is too large");
            return new Token(TokenKind.Number, string.Empty, 0, start);
        }

        return new Token(TokenKind.Number, string.Empty, value * multiplier, start);
    }

    private Token ReadQuotedString(SourcePosition start)
    {
        Advance();
        var text = new StringBuilder();
        while (true)
        {
            if (AtEnd)
            {
                Error(start, "unterminated quoted string: expected a closing '\"' before the end of the script");
                return new Token(TokenKind.QuotedString, text.ToString(), 0, start);
            }

            var c = Peek();
            if (c == '"')
            {
                Advance();
                return new Token(TokenKind.QuotedString, text.ToString(), 0, start);
            }

            if (c == '\\')
            {
                Advance();
                if (AtEnd)
                {
                    continue;
                }

                // RFC 5228 2.4.2: "\\" and "\"" are escapes; any other backslash is dropped.
                text.Append(Peek());
                Advance();
                continue;
            }

            if (c == '\r' && Peek(1) != '\n')
            {
                Error(Position, "bare CR in quoted string: expected CRLF");
            }

            // Line breaks inside strings are CRLF (RFC 5228 2.4.2), whatever the script file uses.
            if (c == '\n' && (text.Length == 0 || text[^1] != '\r'))
            {
                text.Append('\r');
            }

            text.Append(c);
            Advance();
        }
    }

    private Token ReadMultiLine(SourcePosition start)
    {
        // After "text:" only spaces/tabs and an optional hash comment may precede the line break.
        while (Peek() is ' ' or '\t')
        {
            Advance();
        }

        if (Peek() == '#')
        {
            while (!AtEnd && Peek() != '\n')
            {
                Advance();
            }
        }
        else if (Peek() == '\r' && Peek(1) == '\n')
        {
            Advance();
        }
        else if (Peek() != '\n')
        {
            Error(Position, "expected a line break after 'text:' (only spaces and a '#' comment may follow it)");
            while (!AtEnd && Peek() != '\n')
            {
                Advance();
            }
        }

        if (AtEnd)
        {
            Error(start, "unterminated multi-line string: expected a line holding only '.'");
            return new Token(TokenKind.MultiLineString, string.Empty, 0, start);
        }

        Advance();
        var text = new StringBuilder();
        while (true)
        {
            if (AtEnd)
            {
                Error(start, "unterminated multi-line string: expected a line holding only '.'");
                return new Token(TokenKind.MultiLineString, text.ToString(), 0, start);
            }

            var lineBegin = _offset;
            while (!AtEnd && Peek() != '\n')
            {
                Advance();
            }

            var lineEnd = _offset;
            var hasNewline = !AtEnd;
            if (hasNewline)
            {
                Advance();
            }

            if (lineEnd > lineBegin && _source[lineEnd - 1] == '\r')
            {
                lineEnd--;
            }

            var line = _source.AsSpan(lineBegin, lineEnd - lineBegin);
            if (line.SequenceEqual("."))
            {
                return new Token(TokenKind.MultiLineString, text.ToString(), 0, start);
            }

            // Dot-stuffing: a line that starts with ".." stands for one starting with ".".
            if (line.StartsWith(".."))
            {
                line = line[1..];
            }

            text.Append(line);
            if (hasNewline)
            {
                text.Append("\r\n");
            }
        }
    }
}

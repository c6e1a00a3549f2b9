using System.Globalization;
using System.Text;
using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Segments;

/// <summary>The kinds of token of the segment language.</summary>
internal enum TokenKind
{
    End,
    Word,
    String,
    Number,
    Date,
    Duration,
    LeftParen,
    RightParen,
    Comma,
    Dot,
    Operator,
}

/// <summary>One token: its kind, text as written, position and (for literals) value.</summary>
internal readonly record struct Token(TokenKind Kind, string Text, int Position, object? Value = null)
{
    /// <summary>How the token reads in an error message.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.End => "the end of the expression",
        TokenKind.String => $"the string {Shorten(Text)}",
        TokenKind.Number => $"the number {Text}",
        TokenKind.Date => $"the date {Text}",
        TokenKind.Duration => $"the duration {Text}",
        _ => $"'{Shorten(Text)}'",
    };

    /// <summary>Whether the token is the (case-insensitive) word <paramref name="word"/>.</summary>
    public bool Is(string word) => Kind == TokenKind.Word && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>A duration such as <c>90d</c>: an amount of a calendar unit.</summary>
internal readonly record struct SegmentDuration(int Amount, char Unit)
{
    /// <summary><paramref name="from"/> moved back by the duration (months and years by the calendar).</summary>
    public DateTimeOffset Before(DateTimeOffset from) => Unit switch
    {
        'h' => from.AddHours(-Amount),
        'd' => from.AddDays(-Amount),
        'w' => from.AddDays(-7.0 * Amount),
        'M' => from.AddMonths(-Amount),
        _ => from.AddYears(-Amount),
    };
}

/// <summary>Splits a segment expression into tokens; every error names its position.</summary>
internal static class SegmentLexer
{
    /// <summary>Longest expression accepted.</summary>
    public const int MaxLength = 10_000;

    public static List<Token> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw new SegmentSyntaxException($"the expression is {text.Length} characters long; at most {MaxLength} are allowed", MaxLength);
        }

        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", text.Length));
                return tokens;
            }

            var c = text[i];
            var start = i;
            if (c is '"' or '\'')
            {
                tokens.Add(ReadString(text, ref i));
            }
            else if (char.IsAsciiDigit(c) || (c == '-' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                tokens.Add(ReadNumeric(text, ref i));
            }
            else if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Word, text[start..i], start));
            }
            else
            {
                tokens.Add(ReadSymbol(text, ref i));
            }
        }
    }

    private static Token ReadSymbol(string text, ref int i)
    {
        var start = i;
        var c = text[i];
        var next = i + 1 < text.Length ? text[i + 1] : '\0';
        i++;
        switch (c)
        {
            case '(':
                return new Token(TokenKind.LeftParen, "(", start);
            case ')':
                return new Token(TokenKind.RightParen, ")", start);
            case ',':
                return new Token(TokenKind.Comma, ",", start);
            case '.':
                return new Token(TokenKind.Dot, ".", start);
            case '=':
                i += next == '=' ? 1 : 0;
                return new Token(TokenKind.Operator, "=", start);
            case '!' when next == '=':
                i++;
                return new Token(TokenKind.Operator, "!=", start);
            case '<' when next == '>':
                i++;
                return new Token(TokenKind.Operator, "!=", start);
            case '<' or '>':
                if (next == '=')
                {
                    i++;
                    return new Token(TokenKind.Operator, c + "=", start);
                }

                return new Token(TokenKind.Operator, c.ToString(), start);
            default:
                var shown = char.IsControl(c) ? $"U+{(int)c:X4}" : c.ToString();
                throw new SegmentSyntaxException($"unexpected character '{shown}'", start,
                    "a name, a value, an operator (= != < <= > >=), '(' , ')' or ','", $"'{shown}'");
        }
    }

    private static Token ReadString(string text, ref int i)
    {
        var start = i;
        var quote = text[i++];
        var value = new StringBuilder();
        while (true)
        {
            if (i >= text.Length)
            {
                throw new SegmentSyntaxException($"the string starting here is not closed (a {quote} is missing)", start, $"a closing {quote}", "the end of the expression");
            }

            var c = text[i++];
            if (c == quote)
            {
                break;
            }

            if (c != '\\')
            {
                value.Append(c);
                continue;
            }

            if (i >= text.Length)
            {
                throw new SegmentSyntaxException("the string ends with a lone '\\'", i - 1, "an escaped character (\\\\, \\\", \\')", "the end of the expression");
            }

            var escaped = text[i++];
            if (escaped is not ('\\' or '"' or '\''))
            {
                throw new SegmentSyntaxException($"'\\{escaped}' is not an escape of the segment language; only \\\\, \\\" and \\' are", i - 2, "\\\\, \\\" or \\'", $"'\\{escaped}'");
            }

            value.Append(escaped);
        }

        return new Token(TokenKind.String, text[start..i], start, value.ToString());
    }

    private static Token ReadNumeric(string text, ref int i)
    {
        var start = i;
        var end = i + 1;
        while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '.' or ':' or '+' or '-'))
        {
            // A date (2024-03-01T10:00:00+02:00) runs on through '-', ':' and '+'; a number's exponent sign too (1e-3).
            if (text[end] is '+' or '-' && !IsDateLike(text, start) && !(text[end - 1] is 'e' or 'E'))
            {
                break;
            }

            end++;
        }

        var word = text[start..end];
        i = end;
        if (IsDateLike(text, start))
        {
            return new Token(TokenKind.Date, word, start, ParseDate(word, start));
        }

        var unitStart = word.Length;
        while (unitStart > 0 && char.IsAsciiLetter(word[unitStart - 1]) && word[unitStart - 1] is not ('e' or 'E'))
        {
            unitStart--;
        }

        if (unitStart < word.Length && unitStart > 0 && word[0] != '-')
        {
            return ReadDuration(word, unitStart, start);
        }

        if (double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return new Token(TokenKind.Number, word, start, number);
        }

        throw new SegmentSyntaxException($"'{word}' is not a number, a date (2024-03-01) or a duration (90d)", start, "a number, a date or a duration", $"'{word}'");
    }

    private static Token ReadDuration(string word, int unitStart, int position)
    {
        var unit = word[unitStart..].ToLowerInvariant() switch
        {
            "h" => 'h',
            "d" => 'd',
            "w" => 'w',
            "mo" => 'M',
            "y" => 'y',
            _ => throw new SegmentSyntaxException($"'{word[unitStart..]}' is not a duration unit; use h, d, w, mo (months) or y", position + unitStart,
                "h, d, w, mo or y", $"'{word[unitStart..]}'"),
        };
        if (!int.TryParse(word[..unitStart], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount > 100_000)
        {
            throw new SegmentSyntaxException($"'{word[..unitStart]}' is not a whole number of units from 0 to 100000", position, "a whole number such as 90", $"'{word[..unitStart]}'");
        }

        return new Token(TokenKind.Duration, word, position, new SegmentDuration(amount, unit));
    }

    private static bool IsDateLike(string text, int start) =>
        start + 10 <= text.Length && char.IsAsciiDigit(text[start]) && char.IsAsciiDigit(text[start + 3]) && text[start + 4] == '-' && text[start + 7] == '-';

    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF", "yyyy-MM-ddTHH:mmK", "yyyy-MM-ddTHH:mm:ssK",
        "yyyy-MM-ddTHH:mm:ss.FFFFFFFK",
    ];

    private static SegmentDate ParseDate(string word, int position)
    {
        if (!DateTimeOffset.TryParseExact(word, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
        {
            throw new SegmentSyntaxException($"'{word}' is not a valid date; use 2024-03-01 or 2024-03-01T10:00:00Z", position,
                "a date such as 2024-03-01 or 2024-03-01T10:00:00Z", $"'{word}'");
        }

        return word.Length == 10 ? SegmentDate.Day(date) : SegmentDate.Instant(date);
    }
}

/// <summary>A date value of the language as the half-open range of milliseconds it stands for: a whole day for
/// <c>2024-03-01</c> or <c>today</c>, one millisecond for an instant.</summary>
internal readonly record struct SegmentDate(long From, long To)
{
    public static SegmentDate Day(DateTimeOffset midnight) => new(midnight.ToUnixTimeMilliseconds(), midnight.AddDays(1).ToUnixTimeMilliseconds());

    public static SegmentDate Instant(DateTimeOffset at) => new(at.ToUnixTimeMilliseconds(), at.ToUnixTimeMilliseconds() + 1);
}

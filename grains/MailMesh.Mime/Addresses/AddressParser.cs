using System.Text;
using MailMesh.Mime.Encodings;

namespace MailMesh.Mime.Addresses;

/// <summary>
/// A lenient RFC 5322 address-list parser: groups, comments, quoted and encoded display names,
/// obsolete routes, and the broken forms real mail has (unquoted commas in names, missing brackets,
/// bare local parts, stray brackets). It never throws.
/// </summary>
internal static class AddressParser
{
    private enum TokenKind
    {
        Atom,
        Quoted,
        Comment,
        Literal,
        Special,
    }

    private readonly record struct Token(TokenKind Kind, string Text);

    public static InternetAddressList ParseList(string value)
    {
        if (TryParseSingleMailbox(value) is { } single)
        {
            return [single];
        }

        return ParseTokenized(value);
    }

    /// <summary>The general path: tokens first, then mailboxes and groups (also what the single-mailbox path must agree with).</summary>
    internal static InternetAddressList ParseTokenized(string value)
    {
        var tokens = Tokenize(value);
        var result = new InternetAddressList();
        List<MailboxAddress>? group = null;
        var groupName = string.Empty;
        var item = new List<Token>();
        string? carriedName = null;
        for (var i = 0; i <= tokens.Count; i++)
        {
            var t = i < tokens.Count ? tokens[i] : new Token(TokenKind.Special, ",");
            if (t.Kind == TokenKind.Special && t.Text == ":" && group is null && !ContainsText(item, "<", "@"))
            {
                groupName = Phrase(item, 0, item.Count);
                group = [];
                item.Clear();
                continue;
            }

            var endsGroup = t.Kind == TokenKind.Special && t.Text == ";";
            if (t.Kind == TokenKind.Special && (t.Text == "," || endsGroup) && (i == tokens.Count || !InsideAngle(item)))
            {
                var mailbox = BuildMailbox(item, ref carriedName, tokens, i + 1);
                if (mailbox is not null)
                {
                    if (group is not null)
                    {
                        group.Add(mailbox);
                    }
                    else
                    {
                        result.Add(mailbox);
                    }
                }

                item.Clear();
                if (endsGroup && group is not null)
                {
                    result.Add(new GroupAddress(groupName, group));
                    group = null;
                }

                continue;
            }

            item.Add(t);
        }

        if (group is not null)
        {
            result.Add(new GroupAddress(groupName, group));
        }

        return result;
    }

    /// <summary>
    /// The usual field, one plain mailbox ("Name Words &lt;local@domain&gt;" or "local@domain"), without
    /// tokens, lists and builders. Anything else (quotes, comments, dots in the name, groups, several
    /// mailboxes, blanks inside the address) returns null and goes to the tokenizer, which gives the
    /// same result for what this accepts.
    /// </summary>
    internal static MailboxAddress? TryParseSingleMailbox(string value) => TryParseSingleMailbox(value.AsSpan());

    /// <summary>The same from characters (the message accessor reads an ASCII field without making a string).</summary>
    internal static MailboxAddress? TryParseSingleMailbox(ReadOnlySpan<char> value)
    {
        var s = value.Trim();
        if (s.IsEmpty)
        {
            return null;
        }

        if (s[^1] != '>')
        {
            return IsPlainAddress(s) ? new MailboxAddress(string.Empty, s.ToString()) : null;
        }

        var open = s.IndexOf('<');
        var inner = open < 0 ? default : s[(open + 1)..^1];
        if (open < 0 || !IsPlainAddress(inner))
        {
            return null;
        }

        var phrase = s[..open];
        foreach (var c in phrase)
        {
            if (!IsAtomChar(c) && c is not (' ' or '\t' or '\r' or '\n'))
            {
                return null;
            }
        }

        var name = JoinWords(phrase);
        return name is null ? null : new MailboxAddress(name, inner.ToString());
    }

    /// <summary>True for "local@domain" made of atom characters and dots with one "@" and no encoded word (what the tokenizer joins unchanged).</summary>
    private static bool IsPlainAddress(ReadOnlySpan<char> s)
    {
        var at = 0;
        foreach (var c in s)
        {
            if (c == '@')
            {
                at++;
            }
            else if (c != '.' && !IsAtomChar(c))
            {
                return false;
            }
        }

        // An encoded word in an address is kept whole by the tokenizer even across "@": not plain.
        return at == 1 && s[0] != '@' && s[^1] != '@' && !s.Contains("=?", StringComparison.Ordinal);
    }

    /// <summary>
    /// The blank-separated atoms of a phrase joined by one space and RFC 2047-decoded, as <see cref="Phrase"/>
    /// makes them; null when the tokenizer could cut a word differently (a word opening with "=?" whose
    /// first "?=" is not its end: the tokenizer ends the encoded word at the first "?=", even past the word).
    /// </summary>
    private static string? JoinWords(ReadOnlySpan<char> phrase)
    {
        var sb = Builder();
        var i = 0;
        while (i < phrase.Length)
        {
            if (phrase[i] is ' ' or '\t' or '\r' or '\n')
            {
                i++;
                continue;
            }

            var end = phrase[i..].IndexOfAny(" \t\r\n");
            var word = end < 0 ? phrase[i..] : phrase.Slice(i, end);
            if (word.StartsWith("=?") && (word.Length is < 4 or > 1000 || word[2..].IndexOf("?=") != word.Length - 4))
            {
                return null;
            }

            if (sb.Length > 0)
            {
                sb.Append(' ');
            }

            sb.Append(word);
            i += word.Length;
        }

        return sb.Length == 0 ? string.Empty : Rfc2047.Decode(sb.ToString()).Trim();
    }

    private static bool ContainsText(List<Token> item, string a, string b)
    {
        foreach (var t in item)
        {
            if (t.Text == a || t.Text == b)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when an angle bracket comes in the tokens from <paramref name="from"/> before the next ',' or ';'.</summary>
    private static bool AngleFollows(List<Token> tokens, int from)
    {
        for (var i = from; i < tokens.Count; i++)
        {
            var t = tokens[i];
            if (t.Kind == TokenKind.Special)
            {
                if (t.Text is "," or ";")
                {
                    return false;
                }

                if (t.Text == "<")
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool InsideAngle(List<Token> item)
    {
        var open = false;
        foreach (var t in item)
        {
            if (t.Kind == TokenKind.Special)
            {
                if (t.Text == "<")
                {
                    open = true;
                }
                else if (t.Text == ">")
                {
                    open = false;
                }
            }
        }

        return open;
    }

    private static MailboxAddress? BuildMailbox(List<Token> item, ref string? carriedName, List<Token> tokens, int following)
    {
        if (item.Count == 0)
        {
            return null;
        }

        var open = item.FindIndex(t => t.Kind == TokenKind.Special && t.Text == "<");
        string name;
        string address;
        if (open >= 0)
        {
            var close = item.FindIndex(open + 1, t => t.Kind == TokenKind.Special && t.Text == ">");
            var innerStart = open + 1;
            var innerEnd = close < 0 ? item.Count : close;
            // Obsolete route "<@a,@b:user@c>": drop everything up to the last colon.
            for (var k = innerEnd - 1; k >= innerStart; k--)
            {
                if (item[k].Kind == TokenKind.Special && item[k].Text == ":")
                {
                    innerStart = k + 1;
                    break;
                }
            }

            address = AddrSpec(item, innerStart, innerEnd);
            name = Phrase(item, 0, open);
            if (name.Length == 0)
            {
                name = CommentName(item);
            }
        }
        else if (item.Exists(static t => t.Kind == TokenKind.Special && t.Text == "@"))
        {
            address = AddrSpec(item, 0, item.Count);
            name = CommentName(item);
        }
        else
        {
            // No '@' and no brackets: "Last, First <x@y>" split at the comma. Carry the words over
            // when the next item has an angle address; otherwise it is a bare local part.
            var phrase = Phrase(item, 0, item.Count);
            if (AngleFollows(tokens, following))
            {
                carriedName = carriedName is null ? phrase : carriedName + ", " + phrase;
                return null;
            }

            address = phrase.Replace(" ", string.Empty, StringComparison.Ordinal);
            name = CommentName(item);
            if (address.Length == 0)
            {
                return null;
            }
        }

        if (carriedName is not null)
        {
            name = name.Length == 0 ? carriedName : carriedName + ", " + name;
            carriedName = null;
        }

        return new MailboxAddress(name, address);
    }

    private static string AddrSpec(List<Token> tokens, int start, int end)
    {
        var sb = Builder();
        for (var i = start; i < end; i++)
        {
            var t = tokens[i];
            switch (t.Kind)
            {
                case TokenKind.Comment:
                    break;
                case TokenKind.Quoted:
                    sb.Append(t.Text.AsSpan().IndexOfAny(" \"(),:;<>@[\\]") >= 0 ? "\"" + t.Text + "\"" : t.Text);
                    break;
                case TokenKind.Literal:
                    sb.Append('[').Append(t.Text).Append(']');
                    break;
                case TokenKind.Special when t.Text is "<" or ">":
                    break;
                default:
                    sb.Append(t.Text);
                    break;
            }
        }

        return sb.ToString();
    }

    private static string Phrase(List<Token> tokens, int start, int end)
    {
        var only = -1;
        for (var i = start; i < end; i++)
        {
            var t = tokens[i];
            if (t.Kind is TokenKind.Comment || (t.Kind == TokenKind.Special && t.Text != "."))
            {
                continue;
            }

            if (only >= 0)
            {
                only = -2;
                break;
            }

            only = i;
        }

        if (only == -1)
        {
            return string.Empty;
        }

        if (only >= 0)
        {
            // One word (the usual quoted display name): no builder.
            return Rfc2047.Decode(tokens[only].Text).Trim();
        }

        var sb = Builder();
        for (var i = start; i < end; i++)
        {
            var t = tokens[i];
            if (t.Kind is TokenKind.Comment || (t.Kind == TokenKind.Special && t.Text != "."))
            {
                continue;
            }

            if (sb.Length > 0 && t.Text != ".")
            {
                sb.Append(' ');
            }

            sb.Append(t.Text);
        }

        return Rfc2047.Decode(sb.ToString()).Trim();
    }

    [ThreadStatic]
    private static StringBuilder? t_builder;

    /// <summary>A cleared builder reused on this thread (callers take ToString before any other use).</summary>
    private static StringBuilder Builder()
    {
        var sb = t_builder ??= new StringBuilder(128);
        if (sb.Capacity > 4096)
        {
            // Do not keep a huge buffer alive after a pathological header.
            sb = t_builder = new StringBuilder(128);
        }

        return sb.Clear();
    }

    private static string CommentName(List<Token> tokens)
    {
        var comment = tokens.LastOrDefault(t => t.Kind == TokenKind.Comment);
        return comment.Text is null ? string.Empty : Rfc2047.Decode(comment.Text).Trim();
    }

    /// <summary>True for a character that continues an atom (not a blank and not one of "()[]&lt;&gt;@,;:. and the quote).</summary>
    private static bool IsAtomChar(char c) => c switch
    {
        > ' ' and < (char)127 => c is not ('"' or '(' or ')' or '[' or ']' or '<' or '>' or '@' or ',' or ';' or ':' or '.'),
        _ => !char.IsWhiteSpace(c),
    };

    /// <summary>The shared one-character string for an address special, or null.</summary>
    private static string? SpecialText(char c) => c switch
    {
        '<' => "<",
        '>' => ">",
        '@' => "@",
        ',' => ",",
        ';' => ";",
        ':' => ":",
        '.' => ".",
        _ => null,
    };

    /// <summary>True when the quoted string opening at <paramref name="open"/> has no backslash; <paramref name="end"/> is its closing quote (or the end).</summary>
    private static bool TryPlainQuoted(string s, int open, out int end)
    {
        var rel = s.AsSpan(open + 1).IndexOfAny('"', '\\');
        if (rel >= 0 && s[open + 1 + rel] == '\\')
        {
            end = 0;
            return false;
        }

        end = rel < 0 ? s.Length : open + 1 + rel;
        return true;
    }

    private static List<Token> Tokenize(string s)
    {
        var tokens = new List<Token>(16);
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '"' && TryPlainQuoted(s, i, out var quoteEnd))
            {
                tokens.Add(new Token(TokenKind.Quoted, s[(i + 1)..quoteEnd]));
                i = Math.Min(quoteEnd + 1, s.Length);
            }
            else if (c == '"')
            {
                var sb = new StringBuilder();
                i++;
                while (i < s.Length && s[i] != '"')
                {
                    if (s[i] == '\\' && i + 1 < s.Length)
                    {
                        i++;
                    }

                    sb.Append(s[i++]);
                }

                i++;
                tokens.Add(new Token(TokenKind.Quoted, sb.ToString()));
            }
            else if (c == '(')
            {
                var sb = new StringBuilder();
                var depth = 1;
                i++;
                while (i < s.Length && depth > 0)
                {
                    if (s[i] == '\\' && i + 1 < s.Length)
                    {
                        i++;
                    }
                    else if (s[i] == '(')
                    {
                        depth++;
                    }
                    else if (s[i] == ')' && --depth == 0)
                    {
                        i++;
                        break;
                    }

                    sb.Append(s[i++]);
                }

                tokens.Add(new Token(TokenKind.Comment, sb.ToString()));
            }
            else if (c == '[')
            {
                var end = s.IndexOf(']', i);
                end = end < 0 ? s.Length : end;
                tokens.Add(new Token(TokenKind.Literal, s[(i + 1)..end]));
                i = Math.Min(end + 1, s.Length);
            }
            else if (SpecialText(c) is { } special)
            {
                tokens.Add(new Token(TokenKind.Special, special));
                i++;
            }
            else
            {
                var start = i;
                var encodedEnd = -1;
                if (c == '=' && i + 1 < s.Length && s[i + 1] == '?')
                {
                    // An encoded word may contain '.', '@' and other specials: keep it whole.
                    // Bounded look-ahead keeps a header full of unterminated "=?" linear.
                    var window = s.AsSpan(i, Math.Min(1024, s.Length - i));
                    var close = window[2..].IndexOf("?=", StringComparison.Ordinal);
                    var blank = window.IndexOfAny(" \t\r\n");
                    if (close >= 0 && (blank < 0 || close + 2 < blank))
                    {
                        encodedEnd = i + close + 4;
                    }
                }

                if (encodedEnd > 0)
                {
                    i = encodedEnd;
                }
                else
                {
                    while (i < s.Length && IsAtomChar(s[i]))
                    {
                        i++;
                    }
                }

                if (i == start)
                {
                    tokens.Add(new Token(TokenKind.Special, s[i].ToString()));
                    i++;
                }
                else
                {
                    tokens.Add(new Token(TokenKind.Atom, s[start..i]));
                }
            }
        }

        return tokens;
    }
}

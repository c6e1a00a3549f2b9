namespace MailMesh.Mime.Addresses;

/// <summary>Message-ID, In-Reply-To and References parsing (RFC 5322 3.6.4), lenient about missing brackets and comments.</summary>
public static class MessageIds
{
    /// <summary>Every id in a field value, without angle brackets, in order.</summary>
    public static IReadOnlyList<string> ParseList(string? value)
    {
        var ids = new List<string>();
        if (string.IsNullOrWhiteSpace(value))
        {
            return ids;
        }

        var text = StripComments(value);
        var i = 0;
        var sawBracket = false;
        while (i < text.Length)
        {
            var open = text.IndexOf('<', i);
            if (open < 0)
            {
                break;
            }

            var close = text.IndexOf('>', open + 1);
            if (close < 0)
            {
                close = text.Length;
            }

            var id = text[(open + 1)..close].Trim().Replace(" ", string.Empty, StringComparison.Ordinal);
            if (id.Length > 0)
            {
                ids.Add(id);
            }

            sawBracket = true;
            i = close + 1;
        }

        if (!sawBracket)
        {
            // Broken form: ids without brackets, separated by blanks or commas.
            foreach (var word in text.Split([' ', '\t', ',', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (word.Contains('@', StringComparison.Ordinal))
                {
                    ids.Add(word.Trim('<', '>', '"'));
                }
            }
        }

        return ids;
    }

    /// <summary>The first id in a field value, or null.</summary>
    public static string? ParseOne(string? value)
    {
        if (FirstBracketed(value) is { } id)
        {
            return id;
        }

        var list = ParseList(value);
        return list.Count > 0 ? list[0] : (string.IsNullOrWhiteSpace(value) ? null : value.Trim().Trim('<', '>'));
    }

    /// <summary>
    /// The first id of a value without comments whose first "&lt;...&gt;" holds an id: what <see cref="ParseList"/>
    /// would put first, without building the list; null when the general path must decide.
    /// </summary>
    internal static string? FirstBracketed(string? value) => value is null ? null : FirstBracketed(value.AsSpan());

    /// <summary>The same from characters (the message accessor reads an ASCII field without making a string).</summary>
    internal static string? FirstBracketed(ReadOnlySpan<char> value)
    {
        if (value.Contains('('))
        {
            return null;
        }

        var open = value.IndexOf('<');
        if (open < 0)
        {
            return null;
        }

        var rel = value[(open + 1)..].IndexOf('>');
        var close = rel < 0 ? value.Length : open + 1 + rel;
        var id = value.Slice(open + 1, close - open - 1).Trim();
        if (id.IsEmpty)
        {
            return null;
        }

        return id.Contains(' ') ? id.ToString().Replace(" ", string.Empty, StringComparison.Ordinal) : id.ToString();
    }

    private static string StripComments(string value)
    {
        if (!value.Contains('(', StringComparison.Ordinal))
        {
            return value;
        }

        var sb = new System.Text.StringBuilder(value.Length);
        var depth = 0;
        var inBrackets = false;
        foreach (var c in value)
        {
            if (c == '<')
            {
                inBrackets = true;
            }
            else if (c == '>')
            {
                inBrackets = false;
            }

            if (!inBrackets && c == '(')
            {
                depth++;
                continue;
            }

            if (!inBrackets && c == ')' && depth > 0)
            {
                depth--;
                continue;
            }

            if (depth == 0)
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}

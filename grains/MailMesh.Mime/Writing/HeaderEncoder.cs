using System.Text;

namespace MailMesh.Mime.Writing;

/// <summary>RFC 2047 encoding where needed and folding at the preferred line length.</summary>
public static class HeaderEncoder
{
    /// <summary>Encodes an unstructured value: only the words with non-ASCII characters become encoded words.</summary>
    public static string EncodeUnstructured(string value, FormatOptions? options = null)
    {
        options ??= FormatOptions.Default;
        if (options.International || Ascii.IsValid(value))
        {
            return value;
        }

        var sb = new StringBuilder(value.Length * 2);
        var words = SplitKeepingSpaces(value);
        var i = 0;
        while (i < words.Count)
        {
            if (Ascii.IsValid(words[i].Word))
            {
                sb.Append(words[i].Space).Append(words[i].Word);
                i++;
                continue;
            }

            // Adjacent non-ASCII words (and the spaces between them) go into one run of encoded words,
            // because the space between two encoded words is dropped when decoding.
            sb.Append(words[i].Space);
            var run = new StringBuilder(words[i].Word);
            var j = i + 1;
            while (j < words.Count && !Ascii.IsValid(words[j].Word))
            {
                run.Append(words[j].Space).Append(words[j].Word);
                j++;
            }

            AppendEncodedWords(sb, run.ToString());
            i = j;
        }

        return sb.ToString();
    }

    /// <summary>Encodes a phrase (display name): ASCII that needs quoting is quoted, non-ASCII becomes encoded words.</summary>
    public static string EncodePhrase(string phrase, FormatOptions? options = null)
    {
        options ??= FormatOptions.Default;
        if (!options.International && !Ascii.IsValid(phrase))
        {
            var sb = new StringBuilder();
            AppendEncodedWords(sb, phrase);
            return sb.ToString();
        }

        if (phrase.Length > 0 && phrase.AsSpan().IndexOfAny("()<>[]:;@\\,.\"") < 0)
        {
            return phrase;
        }

        return "\"" + phrase.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Appends UTF-8 encoded words (B or Q, whichever is shorter), each at most 75 characters.</summary>
    public static void AppendEncodedWords(StringBuilder sb, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var nonAscii = bytes.Count(b => b >= 0x80 || b == (byte)'=' || b == (byte)'?' || b == (byte)'_');
        var useQ = nonAscii * 3 < bytes.Length;
        const int MaxPayload = 75 - 12; // "=?utf-8?X?" + "?="
        var runes = text.EnumerateRunes().ToList();
        var chunk = new List<byte>();
        var first = true;
        var buf = new byte[4];
        foreach (var rune in runes)
        {
            var n = rune.EncodeToUtf8(buf);
            var cost = useQ ? QCost(buf.AsSpan(0, n)) : 0;
            var projected = useQ ? QLength(chunk) + cost : ((chunk.Count + n + 2) / 3 * 4);
            if (chunk.Count > 0 && projected > MaxPayload)
            {
                Emit(sb, chunk, useQ, ref first);
                chunk.Clear();
            }

            chunk.AddRange(buf.AsSpan(0, n).ToArray());
        }

        if (chunk.Count > 0)
        {
            Emit(sb, chunk, useQ, ref first);
        }
    }

    private static void Emit(StringBuilder sb, List<byte> chunk, bool useQ, ref bool first)
    {
        if (!first)
        {
            sb.Append(' ');
        }

        first = false;
        sb.Append(useQ ? "=?utf-8?q?" : "=?utf-8?b?");
        if (useQ)
        {
            foreach (var b in chunk)
            {
                if (b == (byte)' ')
                {
                    sb.Append('_');
                }
                else if (b >= 0x80 || b < 0x20 || "=?_\"()<>@,;:\\.[]".Contains((char)b, StringComparison.Ordinal))
                {
                    sb.Append('=').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
                else
                {
                    sb.Append((char)b);
                }
            }
        }
        else
        {
            sb.Append(Convert.ToBase64String(chunk.ToArray()));
        }

        sb.Append("?=");
    }

    private static int QLength(List<byte> chunk)
    {
        var n = 0;
        foreach (var b in chunk)
        {
            n += QCost([b]);
        }

        return n;
    }

    private static int QCost(ReadOnlySpan<byte> bytes)
    {
        var n = 0;
        foreach (var b in bytes)
        {
            n += b >= 0x80 || b < 0x20 || "=?_\"()<>@,;:\\.[]".Contains((char)b, StringComparison.Ordinal) ? 3 : 1;
        }

        return n;
    }

    private static List<(string Space, string Word)> SplitKeepingSpaces(string value)
    {
        var list = new List<(string, string)>();
        var i = 0;
        while (i < value.Length)
        {
            var s = i;
            while (i < value.Length && char.IsWhiteSpace(value[i]))
            {
                i++;
            }

            var w = i;
            while (i < value.Length && !char.IsWhiteSpace(value[i]))
            {
                i++;
            }

            list.Add((value[s..w], value[w..i]));
        }

        return list;
    }

    /// <summary>
    /// Formats "Name: value" folded at whitespace so that lines stay within the preferred length where
    /// possible, with CRLF line breaks (value must already be encoded).
    /// </summary>
    public static string Fold(string name, string value, int maxLineLength = 78)
    {
        var sb = new StringBuilder(name.Length + value.Length + 8);
        sb.Append(name).Append(':');
        var lineLength = sb.Length;
        var words = SplitKeepingSpaces(value.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal));
        var firstWord = true;
        foreach (var (space, word) in words)
        {
            var sep = firstWord ? " " : (space.Length == 0 ? string.Empty : space);
            firstWord = false;
            if (lineLength + sep.Length + word.Length > maxLineLength && sep.Length > 0)
            {
                sb.Append("\r\n");
                sb.Append(sep[0] == '\t' ? "\t" : " ");
                lineLength = 1;
                sep = string.Empty;
            }

            sb.Append(sep).Append(word);
            lineLength += sep.Length + word.Length;
        }

        sb.Append("\r\n");
        return sb.ToString();
    }
}

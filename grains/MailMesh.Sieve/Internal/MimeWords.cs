using System.Text;

namespace MailMesh.Sieve.Internal;

/// <summary>Decodes RFC 2047 encoded words in header values (lenient: undecodable words stay as written).</summary>
internal static class MimeWords
{
    static MimeWords()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    public static string Decode(string value)
    {
        if (!value.Contains("=?", StringComparison.Ordinal))
        {
            return value;
        }

        var output = new StringBuilder(value.Length);
        var i = 0;
        var pendingWhitespace = -1;
        var lastWasWord = false;
        while (i < value.Length)
        {
            if (value[i] == '=' && i + 1 < value.Length && value[i + 1] == '?' && TryDecodeWord(value, i, out var decoded, out var end))
            {
                if (pendingWhitespace >= 0 && !lastWasWord)
                {
                    output.Append(value, pendingWhitespace, i - pendingWhitespace);
                }

                output.Append(decoded);
                i = end;
                lastWasWord = true;
                pendingWhitespace = -1;
                continue;
            }

            if (value[i] is ' ' or '\t')
            {
                var start = i;
                while (i < value.Length && value[i] is ' ' or '\t')
                {
                    i++;
                }

                // White space between two encoded words is dropped (RFC 2047 section 6.2).
                if (lastWasWord && i < value.Length && value[i] == '=' && i + 1 < value.Length && value[i + 1] == '?')
                {
                    pendingWhitespace = start;
                    continue;
                }

                output.Append(value, start, i - start);
                lastWasWord = false;
                continue;
            }

            if (pendingWhitespace >= 0)
            {
                output.Append(value, pendingWhitespace, i - pendingWhitespace);
                pendingWhitespace = -1;
            }

            output.Append(value[i]);
            lastWasWord = false;
            i++;
        }

        return output.ToString();
    }

    private static bool TryDecodeWord(string value, int start, out string decoded, out int end)
    {
        decoded = string.Empty;
        end = start;
        var charsetEnd = value.IndexOf('?', start + 2);
        if (charsetEnd < 0 || charsetEnd + 2 >= value.Length || value[charsetEnd + 2] != '?')
        {
            return false;
        }

        var textEnd = value.IndexOf("?=", charsetEnd + 3, StringComparison.Ordinal);
        if (textEnd < 0)
        {
            return false;
        }

        var charset = value[(start + 2)..charsetEnd];
        var star = charset.IndexOf('*', StringComparison.Ordinal);
        if (star >= 0)
        {
            charset = charset[..star];
        }

        Encoding encoding;
        try
        {
            encoding = Encoding.GetEncoding(charset);
        }
        catch (ArgumentException)
        {
            return false;
        }

        var text = value.AsSpan(charsetEnd + 3, textEnd - charsetEnd - 3);
        byte[]? bytes = char.ToUpperInvariant(value[charsetEnd + 1]) switch
        {
            'B' => DecodeBase64(text),
            'Q' => DecodeQ(text),
            _ => null,
        };
        if (bytes is null)
        {
            return false;
        }

        decoded = encoding.GetString(bytes);
        end = textEnd + 2;
        return true;
    }

    private static byte[]? DecodeBase64(ReadOnlySpan<char> text)
    {
        var clean = text.ToString().TrimEnd('=');
        clean += new string('=', (4 - (clean.Length % 4)) % 4);
        try
        {
            return Convert.FromBase64String(clean);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static byte[] DecodeQ(ReadOnlySpan<char> text)
    {
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '_')
            {
                bytes.Add((byte)' ');
            }
            else if (c == '=' && i + 2 < text.Length && Uri.IsHexDigit(text[i + 1]) && Uri.IsHexDigit(text[i + 2]))
            {
                bytes.Add((byte)((Uri.FromHex(text[i + 1]) << 4) | Uri.FromHex(text[i + 2])));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return [.. bytes];
    }
}

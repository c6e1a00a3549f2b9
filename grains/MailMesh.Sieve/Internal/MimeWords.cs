using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace MailMesh.Sieve.Internal;

/// <summary>Decodes RFC 2047 encoded words in header values (lenient: undecodable words stay as written).</summary>
internal static class MimeWords
{
    // Encoding.GetEncoding by name is slow (it searches the code page tables every time): charsets are
    // looked up once. Unknown names are remembered as null; the cache is bounded against hostile headers.
    private const int MaxCachedCharsets = 256;
    private static readonly SearchValues<char> Specials = SearchValues.Create(" \t=");
    private static readonly ConcurrentDictionary<string, Encoding?> Encodings = new(StringComparer.OrdinalIgnoreCase);

    static MimeWords()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    public static string Decode(string value) => Decode(value, trim: false);

    /// <summary><see cref="Decode(string)"/> with white space trimmed from both ends (what header tests compare).</summary>
    public static string DecodeTrimmed(string value) => Decode(value, trim: true);

    private static string Decode(string value, bool trim)
    {
        if (!value.Contains("=?", StringComparison.Ordinal))
        {
            return trim ? value.Trim() : value;
        }

        // Decoded words are never longer than they are written, so the value's length is a first bound.
        var output = new CharBuffer(ArrayPool<char>.Shared.Rent(value.Length + 16));
        char[]? chars = null;
        try
        {
            Decode(value, ref output, ref chars);
            var text = output.Written;
            return new string(trim ? text.Trim() : text);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(output.Buffer);
            if (chars is not null)
            {
                ArrayPool<char>.Shared.Return(chars);
            }
        }
    }

    // A pooled, growable output buffer (a StringBuilder would copy the text once more).
    private struct CharBuffer(char[] buffer)
    {
        public char[] Buffer = buffer;
        private int _length;

        public readonly ReadOnlySpan<char> Written => Buffer.AsSpan(0, _length);

        public void Append(ReadOnlySpan<char> text)
        {
            if (_length + text.Length > Buffer.Length)
            {
                var larger = ArrayPool<char>.Shared.Rent(Math.Max(Buffer.Length * 2, _length + text.Length));
                Buffer.AsSpan(0, _length).CopyTo(larger);
                ArrayPool<char>.Shared.Return(Buffer);
                Buffer = larger;
            }

            text.CopyTo(Buffer.AsSpan(_length));
            _length += text.Length;
        }
    }

    private static void Decode(string value, ref CharBuffer output, ref char[]? chars)
    {
        var i = 0;
        var pendingWhitespace = -1;
        var lastWasWord = false;
        while (i < value.Length)
        {
            if (value[i] == '=' && i + 1 < value.Length && value[i + 1] == '?' && TryDecodeWord(value, i, ref chars, out var length, out var end))
            {
                if (pendingWhitespace >= 0 && !lastWasWord)
                {
                    output.Append(value.AsSpan(pendingWhitespace, i - pendingWhitespace));
                }

                output.Append(chars.AsSpan(0, length));
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

                output.Append(value.AsSpan(start, i - start));
                lastWasWord = false;
                continue;
            }

            if (pendingWhitespace >= 0)
            {
                output.Append(value.AsSpan(pendingWhitespace, i - pendingWhitespace));
                pendingWhitespace = -1;
            }

            // Plain text up to the next blank or '=' goes out in one piece.
            var next = value.AsSpan(i + 1).IndexOfAny(Specials);
            var run = next < 0 ? value.Length - i : next + 1;
            output.Append(value.AsSpan(i, run));
            lastWasWord = false;
            i += run;
        }
    }

    // Decodes the encoded word at start into a pooled buffer (returned by the caller); false when it is not one.
    private static bool TryDecodeWord(string value, int start, ref char[]? chars, out int length, out int end)
    {
        length = 0;
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

        var charset = value.AsSpan(start + 2, charsetEnd - start - 2);
        var star = charset.IndexOf('*');
        if (star >= 0)
        {
            charset = charset[..star];
        }

        if (FindEncoding(charset) is not { } encoding)
        {
            return false;
        }

        var text = value.AsSpan(charsetEnd + 3, textEnd - charsetEnd - 3);
        byte[]? rented = null;
        var bytes = text.Length * 3 <= 768 ? stackalloc byte[768] : (rented = ArrayPool<byte>.Shared.Rent(text.Length * 3));
        try
        {
            var count = char.ToUpperInvariant(value[charsetEnd + 1]) switch
            {
                'B' => DecodeBase64(text, bytes),
                'Q' => DecodeQ(text, bytes),
                _ => -1,
            };
            if (count < 0)
            {
                return false;
            }

            var needed = encoding.GetMaxCharCount(count);
            if (chars is null || chars.Length < needed)
            {
                if (chars is not null)
                {
                    ArrayPool<char>.Shared.Return(chars);
                }

                chars = ArrayPool<char>.Shared.Rent(Math.Max(64, needed));
            }

            length = encoding.GetChars(bytes[..count], chars);
            end = textEnd + 2;
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static Encoding? FindEncoding(ReadOnlySpan<char> name)
    {
        // Most words of a message (and of a mailbox) share one charset: the last one found is checked first.
        if (s_lastCharset is { } last && name.Equals(last.Name, StringComparison.OrdinalIgnoreCase))
        {
            return last.Encoding;
        }

        var found = Lookup(name);
        s_lastCharset = new Charset(name.ToString(), found);
        return found;
    }

    private static volatile Charset? s_lastCharset;

    private sealed record Charset(string Name, Encoding? Encoding);

    private static Encoding? Lookup(ReadOnlySpan<char> name)
    {
        var lookup = Encodings.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(name, out var found))
        {
            return found;
        }

        var charset = name.ToString();
        try
        {
            found = Encoding.GetEncoding(charset);
        }
        catch (ArgumentException)
        {
            found = null;
        }

        if (Encodings.Count < MaxCachedCharsets)
        {
            Encodings.TryAdd(charset, found);
        }

        return found;
    }

    // Decodes base64 (missing or extra padding tolerated) into bytes; -1 when invalid.
    private static int DecodeBase64(ReadOnlySpan<char> text, Span<byte> bytes)
    {
        var clean = text.TrimEnd('=');
        var padded = clean.Length + ((4 - (clean.Length % 4)) % 4);
        char[]? rented = null;
        var buffer = padded <= 256 ? stackalloc char[256] : (rented = ArrayPool<char>.Shared.Rent(padded));
        try
        {
            clean.CopyTo(buffer);
            buffer[clean.Length..padded].Fill('=');
            return Convert.TryFromBase64Chars(buffer[..padded], bytes, out var written) ? written : -1;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    // The length of the leading run without '_', '=' or non-ASCII characters; -1 when that is the whole text.
    private static int PlainRun(ReadOnlySpan<char> text)
    {
        var special = text.IndexOfAny('_', '=');
        var scanned = special < 0 ? text : text[..special];
        var nonAscii = scanned.IndexOfAnyExceptInRange('\0', '\u007f');
        return nonAscii >= 0 ? nonAscii : special;
    }

    // Decodes a Q word into bytes (at most 3 UTF-8 bytes per UTF-16 unit of a raw non-ASCII character).
    private static int DecodeQ(ReadOnlySpan<char> text, Span<byte> bytes)
    {
        var length = 0;
        for (var i = 0; i < text.Length; i++)
        {
            // A run of plain ASCII (no '_', '=' or non-ASCII) is narrowed to bytes in one go.
            var plain = PlainRun(text[i..]);
            if (plain != 0)
            {
                var run = plain < 0 ? text[i..] : text.Slice(i, plain);
                length += Encoding.ASCII.GetBytes(run, bytes[length..]);
                i += run.Length;
                if (i >= text.Length)
                {
                    break;
                }
            }

            var c = text[i];
            if (c == '_')
            {
                bytes[length++] = (byte)' ';
            }
            else if (c == '=' && i + 2 < text.Length && char.IsAsciiHexDigit(text[i + 1]) && char.IsAsciiHexDigit(text[i + 2]))
            {
                bytes[length++] = (byte)((Uri.FromHex(text[i + 1]) << 4) | Uri.FromHex(text[i + 2]));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes[length++] = (byte)c;
            }
            else
            {
                var end = i + 1;
                while (end < text.Length && text[end] >= 0x80)
                {
                    end++;
                }

                length += Encoding.UTF8.GetBytes(text[i..end], bytes[length..]);
                i = end - 1;
            }
        }

        return length;
    }
}

using System.Buffers;
using System.Buffers.Text;
using System.Text;
using MailMesh.Mime.Encodings;
using MailMesh.Mime.Writing;

namespace MailMesh.Campaigns.Composition;

/// <summary>Writes a campaign message (header fields, then a text part, an HTML part or both as multipart/alternative)
/// straight into a per-thread buffer as CRLF-terminated bytes: header fields folded by the MIME library's
/// <see cref="HeaderEncoder.Fold"/>, each body 7bit when it is ASCII with lines of at most 998 octets, otherwise
/// quoted-printable (mostly ASCII) or base64, as <see cref="ContentEncoder.Choose"/> decides for the message builder.
/// The buffer is reused by the next message on the same thread: copy or sign it before then.</summary>
internal sealed class CampaignMimeWriter
{
    private const int MaxBodyLine = 76;

    private static ReadOnlySpan<byte> BoundaryPrefix => "=_mm_"u8;

    /// <summary>Octets quoted-printable writes as they are (printable ASCII but '=', and space and tab inside a line).</summary>
    private static readonly SearchValues<byte> QuotedPrintableLiteral = SearchValues.Create(
        [.. Enumerable.Range(33, 126 - 33 + 1).Where(b => b != '=').Select(b => (byte)b), (byte)' ', (byte)'\t']);

    /// <summary>What ends a word of a header field as <see cref="HeaderEncoder.Fold"/> reads it: whitespace
    /// (<see cref="char.IsWhiteSpace(char)"/>) other than CR.</summary>
    private static readonly SearchValues<char> WordEnd = SearchValues.Create(
        [.. Enumerable.Range(0, char.MaxValue + 1).Select(c => (char)c).Where(c => c != '\r' && char.IsWhiteSpace(c))]);

    [ThreadStatic]
    private static CampaignMimeWriter? t_writer;

    private byte[] _buffer = new byte[16 * 1024];
    private byte[] _body = new byte[16 * 1024];
    private int _length;

    private CampaignMimeWriter()
    {
    }

    /// <summary>The writer of this thread, emptied.</summary>
    public static CampaignMimeWriter Rent()
    {
        var writer = t_writer ??= new CampaignMimeWriter();
        writer._length = 0;
        return writer;
    }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>Writes a header field, folded (<paramref name="value"/> already encoded for the header).</summary>
    public void Header(string name, string value)
    {
        if (name.Length + value.Length + 2 <= 78 && value.AsSpan().IndexOfAny('\r', '\n') < 0)
        {
            Utf8(name);
            Write(": "u8);
            Utf8(value);
            Write("\r\n"u8);
            return;
        }

        Folded(name, value);
    }

    /// <summary>Writes the field as <see cref="HeaderEncoder.Fold"/> folds it (at whitespace, lines of at most 78
    /// characters where a word allows; CR removed and LF read as a space), without a string per word.</summary>
    internal void Folded(string name, string value, int maxLineLength = 78)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(name.Length + (value.Length * 2) + 4));
        Utf8(name);
        Write(":"u8);
        var lineLength = name.Length + 1;
        var rest = value.AsSpan();
        var first = true;
        while (true)
        {
            // A word with the whitespace before it; CR is dropped and LF is whitespace, as Fold reads the value.
            var space = SkipWhitespace(ref rest, out var spaceStart, out var spaceLength);
            var word = Word(ref rest, out var wordLength);
            if (spaceLength == 0 && wordLength == 0)
            {
                break;
            }

            var sepLength = first ? 1 : spaceLength;
            var tab = !first && spaceStart == '\t';
            var sep = first ? " ".AsSpan() : space;
            first = false;
            if (lineLength + sepLength + wordLength > maxLineLength && sepLength > 0)
            {
                Write(tab ? "\r\n\t"u8 : "\r\n "u8);
                lineLength = 1;
                sepLength = 0;
                sep = [];
            }

            WithoutCr(sep);
            WithoutCr(word);
            lineLength += sepLength + wordLength;
        }

        Write("\r\n"u8);
    }

    /// <summary>The whitespace at the start of <paramref name="rest"/> (CR skipped, not counted), its first character
    /// as Fold sees it (LF as a space) and its length without CRs.</summary>
    private static ReadOnlySpan<char> SkipWhitespace(ref ReadOnlySpan<char> rest, out char start, out int length)
    {
        var i = 0;
        length = 0;
        start = '\0';
        while (i < rest.Length && (rest[i] == '\r' || char.IsWhiteSpace(rest[i])))
        {
            if (rest[i] != '\r')
            {
                start = length == 0 ? (rest[i] == '\n' ? ' ' : rest[i]) : start;
                length++;
            }

            i++;
        }

        var space = rest[..i];
        rest = rest[i..];
        return space;
    }

    /// <summary>The word at the start of <paramref name="rest"/> (up to whitespace; a CR inside it is skipped, not
    /// counted) and its length without CRs, found with one vectorized search (a field's token URL is a word of 200
    /// characters or more).</summary>
    private static ReadOnlySpan<char> Word(ref ReadOnlySpan<char> rest, out int length)
    {
        var end = rest.IndexOfAny(WordEnd);
        var word = end < 0 ? rest : rest[..end];
        length = word.Length - word.Count('\r');
        rest = rest[word.Length..];
        return word;
    }

    /// <summary>Writes <paramref name="chars"/> as UTF-8 with CR left out and LF as a space.</summary>
    private void WithoutCr(ReadOnlySpan<char> chars)
    {
        while (!chars.IsEmpty)
        {
            var stop = chars.IndexOfAny('\r', '\n');
            var run = stop < 0 ? chars : chars[..stop];
            _length += Encoding.UTF8.GetBytes(run, _buffer.AsSpan(_length));
            if (stop < 0)
            {
                return;
            }

            if (chars[stop] == '\n')
            {
                _buffer[_length++] = (byte)' ';
            }

            chars = chars[(stop + 1)..];
        }
    }

    /// <summary>Writes the bodies after the header fields: one text part, or multipart/alternative of the text and
    /// HTML parts (ends the message).</summary>
    public void Bodies(string text, string? html)
    {
        if (html is null)
        {
            Part("plain"u8, text);
            return;
        }

        var fieldStart = _length;
        Span<byte> random = stackalloc byte[12];
        Span<byte> delimiter = stackalloc byte[2 + BoundaryPrefix.Length + 16];
        "--"u8.CopyTo(delimiter);
        BoundaryPrefix.CopyTo(delimiter[2..]);
        var boundary = delimiter[2..];
        while (true)
        {
            // The boundary need not be secret, only absent from the parts, which is checked below: a non-cryptographic
            // generator does (RandomNumberGenerator costs a libcrypto call, 1.8 µs, per message).
            Random.Shared.NextBytes(random);
            Base64.EncodeToUtf8(random, boundary[BoundaryPrefix.Length..], out _, out _);
            boundary[BoundaryPrefix.Length..].Replace((byte)'+', (byte)'.');
            boundary[BoundaryPrefix.Length..].Replace((byte)'/', (byte)'_');
            Write("Content-Type: multipart/alternative; boundary=\""u8);
            Write(boundary);
            Write("\"\r\n\r\n"u8);
            Write(delimiter);
            Write("\r\n"u8);
            var textStart = _length;
            Part("plain"u8, text);
            var textEnd = _length;
            Write("\r\n"u8);
            Write(delimiter);
            Write("\r\n"u8);
            var htmlStart = _length;
            Part("html"u8, html);
            var htmlEnd = _length;
            Write("\r\n"u8);
            Write(delimiter);
            Write("--\r\n"u8);
            if (_buffer.AsSpan(textStart, textEnd - textStart).IndexOf(delimiter) < 0 && _buffer.AsSpan(htmlStart, htmlEnd - htmlStart).IndexOf(delimiter) < 0)
            {
                return;
            }

            // A part holds the boundary (only 7bit text can, and by chance one in 2^96): write them again with another.
            _length = fieldStart;
        }
    }

    /// <summary>A copy of the message.</summary>
    public byte[] ToArray() => Written.ToArray();

    private void Part(ReadOnlySpan<byte> subtype, string content)
    {
        var bytes = Normalized(content);
        var ascii = System.Text.Ascii.IsValid(bytes);
        var encoding = Choose(bytes, ascii);
        Write("Content-Type: text/"u8);
        Write(subtype);
        Write(ascii ? "; charset=us-ascii\r\nContent-Transfer-Encoding: "u8 : "; charset=utf-8\r\nContent-Transfer-Encoding: "u8);
        Ascii(ContentEncodings.ToHeaderValue(encoding));
        Write("\r\n\r\n"u8);
        switch (encoding)
        {
            case ContentEncoding.QuotedPrintable:
                QuotedPrintable(bytes);
                break;
            case ContentEncoding.Base64:
                Base64Lines(bytes);
                break;
            default:
                Write(bytes);
                if (bytes.Length > 0 && bytes[^1] != (byte)'\n')
                {
                    Write("\r\n"u8);
                }

                break;
        }
    }

    /// <summary>The transfer encoding <see cref="ContentEncoder.Choose"/> picks for text without 8bit (7bit for ASCII
    /// with lines of at most 998 octets, else quoted-printable when under a sixth of the octets are not ASCII, else
    /// base64; base64 for any NUL), found with vectorized searches instead of a loop over every octet.</summary>
    internal static ContentEncoding Choose(ReadOnlySpan<byte> bytes, bool ascii)
    {
        if (bytes.Contains((byte)0))
        {
            return ContentEncoding.Base64;
        }

        if (ascii && LongestLine(bytes) <= 998)
        {
            return ContentEncoding.SevenBit;
        }

        return (ascii ? 0 : CountNonAscii(bytes)) * 6 < bytes.Length ? ContentEncoding.QuotedPrintable : ContentEncoding.Base64;
    }

    private static int LongestLine(ReadOnlySpan<byte> bytes)
    {
        var longest = 0;
        while (true)
        {
            var lf = bytes.IndexOf((byte)'\n');
            longest = Math.Max(longest, lf < 0 ? bytes.Length : lf);
            if (lf < 0)
            {
                return longest;
            }

            bytes = bytes[(lf + 1)..];
        }
    }

    private static int CountNonAscii(ReadOnlySpan<byte> bytes)
    {
        var count = 0;
        while (true)
        {
            var start = bytes.IndexOfAnyExceptInRange((byte)0, (byte)0x7f);
            if (start < 0)
            {
                return count;
            }

            bytes = bytes[start..];
            var run = bytes.IndexOfAnyInRange((byte)0, (byte)0x7f);
            count += run < 0 ? bytes.Length : run;
            if (run < 0)
            {
                return count;
            }

            bytes = bytes[run..];
        }
    }

    /// <summary>The UTF-8 bytes of <paramref name="content"/> with every line ending CRLF (in the body scratch buffer).</summary>
    private ReadOnlySpan<byte> Normalized(string content)
    {
        var max = Encoding.UTF8.GetMaxByteCount(content.Length);
        var lines = content.AsSpan().Count('\n') + content.AsSpan().Count('\r');
        var needed = max + lines;
        if (_body.Length < needed * 2)
        {
            _body = new byte[Math.Max(needed * 2, _body.Length * 2)];
        }

        var raw = _body.AsSpan(needed);
        var length = Encoding.UTF8.GetBytes(content, raw);
        raw = raw[..length];
        if (raw.IndexOfAny((byte)'\r', (byte)'\n') < 0)
        {
            return raw;
        }

        var output = _body.AsSpan(0, needed);
        var w = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var next = raw[i..].IndexOfAny((byte)'\r', (byte)'\n');
            if (next < 0)
            {
                raw[i..].CopyTo(output[w..]);
                w += raw.Length - i;
                break;
            }

            raw.Slice(i, next).CopyTo(output[w..]);
            w += next;
            i += next;
            output[w++] = (byte)'\r';
            output[w++] = (byte)'\n';
            if (raw[i] == (byte)'\r' && i + 1 < raw.Length && raw[i + 1] == (byte)'\n')
            {
                i++;
            }
        }

        return output[..w];
    }

    /// <summary>Quoted-printable (RFC 2045 6.7): CRLF line breaks kept as hard breaks, soft breaks before 76 characters,
    /// '=' and non-printable octets and whitespace at a line end encoded. Runs of printable octets are copied whole.</summary>
    private void QuotedPrintable(ReadOnlySpan<byte> content)
    {
        Ensure((content.Length * 3) + (content.Length / 25) + 8);
        var output = _buffer.AsSpan(_length);
        var w = 0;
        var rest = content;
        while (true)
        {
            var crlf = rest.IndexOf("\r\n"u8);
            w = QuotedPrintableLine(crlf < 0 ? rest : rest[..crlf], output, w);
            if (crlf < 0)
            {
                break;
            }

            output[w++] = (byte)'\r';
            output[w++] = (byte)'\n';
            rest = rest[(crlf + 2)..];
        }

        _length += w;
        if (content.Length > 0 && content[^1] != (byte)'\n')
        {
            Write("\r\n"u8);
        }
    }

    /// <summary>Writes one line (no CRLF in it) at <paramref name="w"/> and returns where the output ends.</summary>
    private static int QuotedPrintableLine(ReadOnlySpan<byte> line, Span<byte> output, int w)
    {
        const int Width = MaxBodyLine - 1; // the soft break's '=' takes the last column
        var column = 0;
        var i = 0;
        while (i < line.Length)
        {
            var run = line[i..].IndexOfAnyExcept(QuotedPrintableLiteral);
            run = run < 0 ? line.Length - i : run;
            if (i + run == line.Length && line[^1] is (byte)' ' or (byte)'\t')
            {
                run--; // whitespace at the line end is encoded
            }

            while (run > 0)
            {
                if (column == Width)
                {
                    w = SoftBreak(output, w);
                    column = 0;
                }

                var take = Math.Min(run, Width - column);
                line.Slice(i, take).CopyTo(output[w..]);
                (w, column, i, run) = (w + take, column + take, i + take, run - take);
            }

            if (i < line.Length)
            {
                if (column + 3 > Width)
                {
                    w = SoftBreak(output, w);
                    column = 0;
                }

                var b = line[i++];
                output[w++] = (byte)'=';
                output[w++] = (byte)"0123456789ABCDEF"[b >> 4];
                output[w++] = (byte)"0123456789ABCDEF"[b & 15];
                column += 3;
            }
        }

        return w;
    }

    private static int SoftBreak(Span<byte> output, int w)
    {
        output[w++] = (byte)'=';
        output[w++] = (byte)'\r';
        output[w++] = (byte)'\n';
        return w;
    }

    private void Base64Lines(ReadOnlySpan<byte> content)
    {
        Ensure((((content.Length + 2) / 3) * 4) + (((content.Length + 56) / 57) * 2) + 4);
        for (var i = 0; i < content.Length; i += 57)
        {
            var chunk = content.Slice(i, Math.Min(57, content.Length - i));
            Base64.EncodeToUtf8(chunk, _buffer.AsSpan(_length), out _, out var written);
            _length += written;
            _buffer[_length++] = (byte)'\r';
            _buffer[_length++] = (byte)'\n';
        }
    }

    private void Ascii(string value)
    {
        Ensure(value.Length);
        _length += Encoding.ASCII.GetBytes(value, _buffer.AsSpan(_length));
    }

    private void Utf8(string value)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(value.Length));
        _length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Ensure(int more)
    {
        if (_length + more > _buffer.Length)
        {
            var grown = new byte[Math.Max(_length + more, _buffer.Length * 2)];
            _buffer.AsSpan(0, _length).CopyTo(grown);
            _buffer = grown;
        }
    }
}

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

        Utf8(HeaderEncoder.Fold(name, value));
    }

    /// <summary>Writes the bodies after the header fields: one text part, or multipart/alternative of the text and
    /// HTML parts (ends the message).</summary>
    public void Bodies(string text, string? html)
    {
        if (html is null)
        {
            Part("plain", text);
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
            Part("plain", text);
            var textEnd = _length;
            Write("\r\n"u8);
            Write(delimiter);
            Write("\r\n"u8);
            var htmlStart = _length;
            Part("html", html);
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

    private void Part(string subtype, string content)
    {
        var bytes = Normalized(content);
        var encoding = ContentEncoder.Choose(bytes, isText: true, allow8Bit: false);
        var charset = System.Text.Ascii.IsValid(bytes) ? "us-ascii" : "utf-8";
        Ascii("Content-Type: text/" + subtype + "; charset=" + charset + "\r\nContent-Transfer-Encoding: " + ContentEncodings.ToHeaderValue(encoding) + "\r\n\r\n");
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
                    Ascii("\r\n");
                }

                break;
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
    /// '=' and non-printable octets and whitespace at a line end encoded.</summary>
    private void QuotedPrintable(ReadOnlySpan<byte> content)
    {
        Ensure((content.Length * 3) + (content.Length / 25) + 8);
        var output = _buffer.AsSpan(_length);
        var w = 0;
        var line = 0;
        for (var i = 0; i < content.Length; i++)
        {
            var b = content[i];
            if (b == (byte)'\r' && i + 1 < content.Length && content[i + 1] == (byte)'\n')
            {
                output[w++] = (byte)'\r';
                output[w++] = (byte)'\n';
                line = 0;
                i++;
                continue;
            }

            var atLineEnd = i + 1 == content.Length || (content[i + 1] == (byte)'\r' && i + 2 < content.Length && content[i + 2] == (byte)'\n');
            var literal = (b is >= 33 and <= 126 && b != (byte)'=') || (b is (byte)' ' or (byte)'\t' && !atLineEnd);
            var width = literal ? 1 : 3;
            if (line + width > MaxBodyLine - 1)
            {
                output[w++] = (byte)'=';
                output[w++] = (byte)'\r';
                output[w++] = (byte)'\n';
                line = 0;
            }

            if (literal)
            {
                output[w++] = b;
            }
            else
            {
                output[w++] = (byte)'=';
                output[w++] = (byte)"0123456789ABCDEF"[b >> 4];
                output[w++] = (byte)"0123456789ABCDEF"[b & 15];
            }

            line += width;
        }

        _length += w;
        if (content.Length > 0 && content[^1] != (byte)'\n')
        {
            Ascii("\r\n");
        }
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

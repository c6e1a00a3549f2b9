using System.Buffers;
using System.Buffers.Text;
using MailMesh.Mime.Encodings;

namespace MailMesh.Mime.Writing;

/// <summary>Transfer-encodes content for output (CRLF lines, at most 76 characters) and picks the encoding.</summary>
public static class ContentEncoder
{
    /// <summary>Picks the transfer encoding: 7bit when possible, 8bit when allowed, else quoted-printable for mostly-ASCII text and base64 otherwise.</summary>
    public static ContentEncoding Choose(ReadOnlySpan<byte> content, bool isText, bool allow8Bit)
    {
        var nonAscii = 0;
        var maxLine = 0;
        var line = 0;
        var hasNul = false;
        foreach (var b in content)
        {
            if (b == (byte)'\n')
            {
                maxLine = Math.Max(maxLine, line);
                line = 0;
                continue;
            }

            line++;
            if (b >= 0x80)
            {
                nonAscii++;
            }
            else if (b == 0)
            {
                hasNul = true;
            }
        }

        maxLine = Math.Max(maxLine, line);
        if (!isText || hasNul)
        {
            return ContentEncoding.Base64;
        }

        if (maxLine <= 998)
        {
            if (nonAscii == 0)
            {
                return ContentEncoding.SevenBit;
            }

            if (allow8Bit)
            {
                return ContentEncoding.EightBit;
            }
        }

        return nonAscii * 6 < content.Length ? ContentEncoding.QuotedPrintable : ContentEncoding.Base64;
    }

    /// <summary>Encodes content in the given transfer encoding.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> content, ContentEncoding encoding) => encoding switch
    {
        ContentEncoding.Base64 => EncodeBase64(content),
        ContentEncoding.QuotedPrintable => EncodeQuotedPrintable(content),
        _ => content.ToArray(),
    };

    /// <summary>base64 in lines of 76 characters with CRLF.</summary>
    public static byte[] EncodeBase64(ReadOnlySpan<byte> content)
    {
        var lines = (content.Length + 56) / 57;
        var output = new byte[(((content.Length + 2) / 3) * 4) + (lines * 2)];
        var w = 0;
        for (var i = 0; i < content.Length; i += 57)
        {
            var chunk = content.Slice(i, Math.Min(57, content.Length - i));
            Base64.EncodeToUtf8(chunk, output.AsSpan(w), out _, out var written);
            w += written;
            output[w++] = (byte)'\r';
            output[w++] = (byte)'\n';
        }

        return output.AsSpan(0, w).ToArray();
    }

    /// <summary>Quoted-printable (RFC 2045 6.7) with soft breaks at 76 characters; line breaks in the input become CRLF.</summary>
    public static byte[] EncodeQuotedPrintable(ReadOnlySpan<byte> content)
    {
        var output = new ArrayBufferWriter<byte>(content.Length + (content.Length / 4) + 16);
        var lineLength = 0;
        for (var i = 0; i < content.Length; i++)
        {
            var b = content[i];
            if (b == (byte)'\r' && i + 1 < content.Length && content[i + 1] == (byte)'\n')
            {
                continue;
            }

            if (b == (byte)'\n')
            {
                output.Write("\r\n"u8);
                lineLength = 0;
                continue;
            }

            var atLineEnd = i + 1 >= content.Length || content[i + 1] == (byte)'\n' || (content[i + 1] == (byte)'\r' && i + 2 < content.Length && content[i + 2] == (byte)'\n');
            var literal = (b is >= 33 and <= 126 && b != (byte)'=') || (b is (byte)' ' or (byte)'\t' && !atLineEnd);
            var width = literal ? 1 : 3;
            if (lineLength + width > 75)
            {
                output.Write("=\r\n"u8);
                lineLength = 0;
            }

            if (literal)
            {
                output.Write([b]);
            }
            else
            {
                const string Hex = "0123456789ABCDEF";
                output.Write([(byte)'=', (byte)Hex[b >> 4], (byte)Hex[b & 15]]);
            }

            lineLength += width;
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>Converts bare LF and bare CR to CRLF.</summary>
    public static byte[] NormalizeCrlf(ReadOnlySpan<byte> content)
    {
        var output = new ArrayBufferWriter<byte>(content.Length + 64);
        for (var i = 0; i < content.Length; i++)
        {
            var b = content[i];
            if (b == (byte)'\r')
            {
                output.Write("\r\n"u8);
                if (i + 1 < content.Length && content[i + 1] == (byte)'\n')
                {
                    i++;
                }
            }
            else if (b == (byte)'\n')
            {
                output.Write("\r\n"u8);
            }
            else
            {
                output.Write([b]);
            }
        }

        return output.WrittenSpan.ToArray();
    }
}

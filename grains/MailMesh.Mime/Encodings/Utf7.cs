using System.Buffers.Text;
using System.Text;

namespace MailMesh.Mime.Encodings;

/// <summary>UTF-7 (RFC 2152) decoding, which .NET disables but old mail still uses.</summary>
internal static class Utf7
{
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        var i = 0;
        while (i < bytes.Length)
        {
            var b = bytes[i];
            if (b != (byte)'+')
            {
                sb.Append((char)b);
                i++;
                continue;
            }

            var start = i + 1;
            var end = start;
            while (end < bytes.Length && IsBase64(bytes[end]))
            {
                end++;
            }

            if (end == start)
            {
                // "+-" is a literal plus.
                sb.Append('+');
                i = end < bytes.Length && bytes[end] == (byte)'-' ? end + 1 : end;
                continue;
            }

            var run = bytes[start..end];
            var padded = new byte[(run.Length + 3) / 4 * 4];
            run.CopyTo(padded);
            padded.AsSpan(run.Length).Fill((byte)'=');
            var decoded = new byte[padded.Length];
            Base64.DecodeFromUtf8(padded, decoded, out _, out var written);
            written &= ~1;
            sb.Append(Encoding.BigEndianUnicode.GetString(decoded, 0, written));
            i = end < bytes.Length && bytes[end] == (byte)'-' ? end + 1 : end;
        }

        return sb.ToString();
    }

    private static bool IsBase64(byte b) => char.IsAsciiLetterOrDigit((char)b) || b == (byte)'+' || b == (byte)'/';
}

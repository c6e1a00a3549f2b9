using System.Runtime.CompilerServices;
using System.Buffers;
using System.Text;

namespace MailMesh.Mime.Encodings;

/// <summary>RFC 2047 encoded-word decoding (B and Q, any charset), lenient about the broken forms real mail has.</summary>
public static class Rfc2047
{
    /// <summary>Decodes every encoded word in an (unfolded) header value given as raw bytes.</summary>
    public static string Decode(ReadOnlySpan<byte> value, string? fallbackCharset = null)
    {
        if (value.IndexOf("=?"u8) < 0)
        {
            return Charsets.DecodeRaw(value, fallbackCharset);
        }

        // One builder and one byte buffer per thread (nothing below re-enters this method).
        var sb = t_builder ??= new StringBuilder(128);
        var pending = t_pending ??= new ArrayBufferWriter<byte>(128);
        sb.Clear();
        pending.Clear();
        if (sb.Capacity > 4096 || pending.Capacity > 4096)
        {
            // Do not keep a huge buffer alive after a pathological header.
            sb = t_builder = new StringBuilder(128);
            pending = t_pending = new ArrayBufferWriter<byte>(128);
        }
        string? pendingCharset = null;
        var lastWasEncoded = false;
        var i = 0;
        while (i < value.Length)
        {
            var rel = value[i..].IndexOf("=?"u8);
            if (rel < 0)
            {
                Flush(sb, pending, ref pendingCharset, fallbackCharset);
                AppendRaw(sb, value[i..], fallbackCharset);
                break;
            }

            var start = i + rel;
            if (!TryParseWord(value, start, out var charset, out var encoding, out var textStart, out var textEnd, out var end))
            {
                Flush(sb, pending, ref pendingCharset, fallbackCharset);
                AppendRaw(sb, value[i..(start + 2)], fallbackCharset);
                lastWasEncoded = false;
                i = start + 2;
                continue;
            }

            var between = value[i..start];
            if (!(lastWasEncoded && IsWhitespace(between)))
            {
                Flush(sb, pending, ref pendingCharset, fallbackCharset);
                AppendRaw(sb, between, fallbackCharset);
            }

            if (pendingCharset is not null && !string.Equals(pendingCharset, charset, StringComparison.OrdinalIgnoreCase))
            {
                Flush(sb, pending, ref pendingCharset, fallbackCharset);
            }

            pendingCharset = charset;
            var payload = value[textStart..textEnd];
            if (encoding is 'B' or 'b')
            {
                DecodeB(payload, pending);
            }
            else
            {
                DecodeQ(payload, pending);
            }

            lastWasEncoded = true;
            i = end;
        }

        Flush(sb, pending, ref pendingCharset, fallbackCharset);
        return sb.ToString();
    }

    /// <summary>Decodes encoded words in a string value (chars above U+00FF are kept as they are).</summary>
    [SkipLocalsInit]
    public static string Decode(string value, string? fallbackCharset = null)
    {
        if (!value.Contains("=?", StringComparison.Ordinal))
        {
            return value;
        }

        byte[]? rented = null;
        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        var bytes = length <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var n = Encoding.UTF8.GetBytes(value, bytes);
            return Decode(bytes[..n], fallbackCharset ?? "utf-8");
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void Flush(StringBuilder sb, ArrayBufferWriter<byte> pending, ref string? charset, string? fallback)
    {
        if (charset is null)
        {
            return;
        }

        AppendDecoded(sb, pending.WrittenSpan, charset, fallback);
        pending.Clear();
        charset = null;
    }

    /// <summary>
    /// Appends <c>Charsets.DecodeRaw(bytes, fallback)</c>. ASCII runs of up to 256 bytes are widened
    /// straight into the builder: DecodeRaw of ASCII bytes is those characters.
    /// </summary>
    [SkipLocalsInit]
    internal static void AppendRaw(StringBuilder sb, ReadOnlySpan<byte> bytes, string? fallback)
    {
        if (bytes.Length <= 256)
        {
            Span<char> chars = stackalloc char[256];
            if (Ascii.ToUtf16(bytes, chars, out var written) == System.Buffers.OperationStatus.Done)
            {
                sb.Append(chars[..written]);
                return;
            }
        }

        sb.Append(Charsets.DecodeRaw(bytes, fallback));
    }

    /// <summary>
    /// Appends <c>Charsets.Decode(bytes, charset, fallback)</c>. Valid UTF-8 of up to 256 bytes in a
    /// "utf-8" word is transcoded straight into the builder: Decode gives exactly that text for it.
    /// </summary>
    [SkipLocalsInit]
    internal static void AppendDecoded(StringBuilder sb, ReadOnlySpan<byte> bytes, string charset, string? fallback)
    {
        if (bytes.Length <= 256 && Charsets.IsUtf8Name(charset))
        {
            Span<char> chars = stackalloc char[256];
            if (System.Text.Unicode.Utf8.ToUtf16(bytes, chars, out _, out var written, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done)
            {
                sb.Append(chars[..written]);
                return;
            }
        }

        sb.Append(Charsets.Decode(bytes, charset, fallback));
    }

    private static bool IsWhitespace(ReadOnlySpan<byte> s)
    {
        foreach (var b in s)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryParseWord(ReadOnlySpan<byte> v, int start, out string charset, out char encoding, out int textStart, out int textEnd, out int end)
    {
        charset = string.Empty;
        encoding = 'Q';
        textStart = textEnd = end = 0;
        var p = start + 2;
        var q1 = v[p..Math.Min(v.Length, p + 66)].IndexOf((byte)'?');
        if (q1 <= 0 || q1 > 64)
        {
            return false;
        }

        var cs = v.Slice(p, q1);
        if (cs.IndexOfAny(" \t\r\n="u8) >= 0)
        {
            return false;
        }

        p += q1 + 1;
        if (p + 2 > v.Length || v[p + 1] != (byte)'?' || v[p] is not ((byte)'B' or (byte)'b' or (byte)'Q' or (byte)'q'))
        {
            return false;
        }

        encoding = (char)v[p];
        textStart = p + 2;
        // Lenient: the encoded text may contain spaces (some mailers do that); it ends at the first "?=".
        // Bounded look-ahead keeps a value full of unterminated words linear.
        var close = v[textStart..Math.Min(v.Length, textStart + 1024)].IndexOf("?="u8);
        if (close < 0)
        {
            return false;
        }

        textEnd = textStart + close;
        end = textEnd + 2;
        var lang = cs.IndexOf((byte)'*');
        charset = CharsetName(lang >= 0 ? cs[..lang] : cs);
        return true;
    }

    private static readonly string[] CommonCharsets =
    [
        "utf-8", "UTF-8", "iso-8859-1", "ISO-8859-1", "us-ascii", "US-ASCII", "windows-1252", "Windows-1252",
        "iso-8859-15", "ISO-8859-15", "iso-2022-jp", "ISO-2022-JP", "koi8-r", "KOI8-R", "gb2312", "GB2312", "big5", "Big5",
    ];

    /// <summary>The charset name as written; common names come from a table of literals instead of a new string per word.</summary>
    private static string CharsetName(ReadOnlySpan<byte> name)
    {
        foreach (var common in CommonCharsets)
        {
            if (name.Length == common.Length && Ascii.Equals(name, common))
            {
                return common;
            }
        }

        return Encoding.ASCII.GetString(name);
    }

    private static void DecodeB(ReadOnlySpan<byte> text, ArrayBufferWriter<byte> output)
    {
        var span = output.GetSpan(text.Length);
        // Flush below leaves the decoder empty, so one instance per thread serves every word.
        var decoder = t_base64 ??= new Base64Decoder();
        var n = decoder.Decode(text, span);
        n += decoder.Flush(span[n..]);
        output.Advance(n);
    }

    [ThreadStatic]
    private static Base64Decoder? t_base64;

    [ThreadStatic]
    private static StringBuilder? t_builder;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_pending;

    private static void DecodeQ(ReadOnlySpan<byte> text, ArrayBufferWriter<byte> output)
    {
        var span = output.GetSpan(text.Length);
        var n = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var b = text[i];
            if (b == (byte)'_')
            {
                span[n++] = (byte)' ';
            }
            else if (b == (byte)'=' && i + 2 < text.Length && HexValue(text[i + 1]) >= 0 && HexValue(text[i + 2]) >= 0)
            {
                span[n++] = (byte)((HexValue(text[i + 1]) << 4) | HexValue(text[i + 2]));
                i += 2;
            }
            else
            {
                span[n++] = b;
            }
        }

        output.Advance(n);
    }

    internal static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => -1,
    };
}

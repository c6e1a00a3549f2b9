using System.Runtime.CompilerServices;
using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace MailMesh.Mime.Encodings;

/// <summary>Charset lookup (every .NET encoding incl. Windows/ISO code pages) and best-effort decoding.</summary>
public static class Charsets
{
    private static readonly ConcurrentDictionary<string, Encoding?> Cache = new(StringComparer.OrdinalIgnoreCase);
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    static Charsets()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
    }

    /// <summary>Latin-1 (ISO-8859-1), which maps every byte to one char.</summary>
    public static Encoding Latin1 => Encoding.Latin1;

    /// <summary>Finds the encoding for a MIME charset name (aliases and common misspellings included), or null.</summary>
    public static Encoding? GetEncoding(string? charset)
    {
        if (string.IsNullOrWhiteSpace(charset))
        {
            return null;
        }

        if (IsUtf8Name(charset))
        {
            // The usual name, without trimming and a case-insensitive dictionary look-up (Resolve gives the same).
            return Encoding.UTF8;
        }

        return Cache.GetOrAdd(charset.Trim(), static name => Resolve(name));
    }

    /// <summary>True for "utf-8" in any letter case (what <see cref="Resolve"/> maps to <see cref="Encoding.UTF8"/> without trimming).</summary>
    internal static bool IsUtf8Name(string charset) => charset.Length == 5 && charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase);

    /// <summary>Finds the encoding for a charset name, falling back to <paramref name="fallback"/>.</summary>
    public static Encoding GetEncodingOrDefault(string? charset, Encoding fallback) => GetEncoding(charset) ?? fallback;

    private static Encoding? Resolve(string name)
    {
        var n = name.Trim('"', '\'', ' ').ToLowerInvariant();
        var star = n.IndexOf('*', StringComparison.Ordinal);
        if (star >= 0)
        {
            n = n[..star];
        }

        n = n switch
        {
            "utf8" or "utf-8" or "x-utf8" or "unicode-1-1-utf-8" => "utf-8",
            "latin1" or "latin-1" or "iso8859-1" or "iso_8859-1" or "8859-1" => "iso-8859-1",
            "us-ascii" or "ascii" or "ansi_x3.4-1968" or "x-unknown" or "unknown" or "unknown-8bit" or "x-user-defined" or "default" => "windows-1252",
            "ks_c_5601-1987" or "ks_c_5601" or "ksc5601" or "ks_c_5601-1989" or "ksc_5601" => "ks_c_5601-1987",
            "iso-8859-8-i" => "iso-8859-8",
            "x-sjis" or "sjis" or "shift-jis" => "shift_jis",
            "gb2312" or "x-gbk" or "gbk" or "cp936" => "gb2312",
            "utf-16" => "utf-16",
            _ => n,
        };
        if (n.StartsWith("cp", StringComparison.Ordinal) && int.TryParse(n.AsSpan(2), out var cp1))
        {
            n = "windows-" + cp1;
            if (cp1 < 874)
            {
                return TryCodePage(cp1);
            }
        }

        if (n.StartsWith("iso8859-", StringComparison.Ordinal) || n.StartsWith("iso_8859-", StringComparison.Ordinal))
        {
            n = "iso-8859-" + n[(n.IndexOf('-', StringComparison.Ordinal) + 1)..];
        }

        try
        {
            return n == "utf-8" ? Encoding.UTF8 : Encoding.GetEncoding(n);
        }
        catch (ArgumentException)
        {
            return int.TryParse(n, out var cp) ? TryCodePage(cp) : null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    private static Encoding? TryCodePage(int codePage)
    {
        try
        {
            return Encoding.GetEncoding(codePage);
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>True when every byte is 7-bit.</summary>
    public static bool IsAscii(ReadOnlySpan<byte> bytes) => System.Text.Ascii.IsValid(bytes);

    /// <summary>
    /// Decodes text in a declared charset; when none is declared or it is unknown, uses UTF-8 if the
    /// bytes are valid UTF-8, otherwise <paramref name="fallback"/> (windows-1252 by default).
    /// Invalid sequences in a declared UTF-8 text fall back the same way instead of producing U+FFFD runs.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string? charset, string? fallback = null)
    {
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        if (charset is not null && (charset.Equals("utf-7", StringComparison.OrdinalIgnoreCase) || charset.Equals("unicode-1-1-utf-7", StringComparison.OrdinalIgnoreCase)))
        {
            return Utf7.Decode(bytes);
        }

        if (System.Text.Ascii.IsValid(bytes))
        {
            var enc0 = GetEncoding(charset);
            if (enc0 is null || enc0.CodePage is 65001 or 20127 or 874 or 20866 or 21866 or (>= 1250 and <= 1258) or (>= 28591 and <= 28605))
            {
                return Encoding.ASCII.GetString(bytes);
            }
        }

        var enc = GetEncoding(charset);
        if (enc is null || enc.CodePage == 65001)
        {
            if (TryDecodeValidUtf8(bytes) is { } text)
            {
                return text;
            }

            if (enc is not null && LooksMostlyUtf8(bytes))
            {
                return Encoding.UTF8.GetString(bytes);
            }

            enc = GetEncoding(fallback) ?? GetEncoding("windows-1252")!;
        }

        return enc.GetString(bytes);
    }

    /// <summary>
    /// The text when the bytes are valid UTF-8, else null: one transcoding pass into a pooled buffer
    /// (validating and then decoding would read the bytes three times).
    /// </summary>
    [SkipLocalsInit]
    private static string? TryDecodeValidUtf8(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 1024 * 1024)
        {
            // Large text: no second buffer of its size beside the string.
            return System.Text.Unicode.Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : null;
        }

        char[]? rented = null;
        var buffer = bytes.Length <= 256 ? stackalloc char[256] : (rented = ArrayPool<char>.Shared.Rent(bytes.Length));
        try
        {
            var written = Utf8Text.TryTranscode(bytes, buffer);
            return written >= 0 ? new string(buffer[..written]) : null;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Decodes raw header bytes (RFC 6532 UTF-8, or legacy 8-bit in the fallback charset).</summary>
    public static string DecodeRaw(ReadOnlySpan<byte> bytes, string? fallback = null) => Decode(bytes, null, fallback);

    private static bool LooksMostlyUtf8(ReadOnlySpan<byte> bytes)
    {
        // A declared UTF-8 text with a few broken bytes is still UTF-8; a wholly Latin-1 text is not.
        try
        {
            StrictUtf8.GetCharCount(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            var valid = 0;
            var invalid = 0;
            var i = 0;
            while (i < bytes.Length)
            {
                var status = System.Text.Rune.DecodeFromUtf8(bytes[i..], out _, out var consumed);
                if (status == System.Buffers.OperationStatus.Done)
                {
                    if (consumed > 1)
                    {
                        valid++;
                    }
                }
                else
                {
                    invalid++;
                }

                i += Math.Max(consumed, 1);
            }

            return valid > invalid;
        }
    }
}

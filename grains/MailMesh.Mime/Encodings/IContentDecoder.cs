namespace MailMesh.Mime.Encodings;

/// <summary>An incremental, stateful content-transfer-encoding decoder. Output never exceeds input length + 256.</summary>
public interface IContentDecoder
{
    /// <summary>
    /// Decodes a chunk; returns the bytes written. <paramref name="output"/> must hold input.Length + 256 bytes;
    /// bytes of it past the returned count may be overwritten (scratch).
    /// </summary>
    int Decode(ReadOnlySpan<byte> input, Span<byte> output);

    /// <summary>Writes whatever is pending at the end of the input; returns the bytes written (at most 3).</summary>
    int Flush(Span<byte> output);
}

/// <summary>Content-Transfer-Encoding values.</summary>
public enum ContentEncoding
{
    /// <summary>No header or an unknown one: treated as 7bit.</summary>
    Default,

    /// <summary>7bit.</summary>
    SevenBit,

    /// <summary>8bit.</summary>
    EightBit,

    /// <summary>binary.</summary>
    Binary,

    /// <summary>base64.</summary>
    Base64,

    /// <summary>quoted-printable.</summary>
    QuotedPrintable,

    /// <summary>x-uuencode.</summary>
    UUEncode,
}

/// <summary>Creates decoders and names encodings.</summary>
public static class ContentEncodings
{
    /// <summary>Parses a Content-Transfer-Encoding value (case-insensitive, whitespace-tolerant).</summary>
    public static ContentEncoding Parse(ReadOnlySpan<byte> value)
    {
        value = value.Trim(" \t\r\n\""u8);
        var semi = value.IndexOfAny((byte)';', (byte)' ');
        if (semi >= 0)
        {
            value = value[..semi];
        }

        if (value.Length > 24)
        {
            return ContentEncoding.Default;
        }

        Span<byte> lower = stackalloc byte[value.Length];
        System.Text.Ascii.ToLower(value, lower, out _);
        return lower switch
        {
            _ when lower.SequenceEqual("base64"u8) => ContentEncoding.Base64,
            _ when lower.SequenceEqual("quoted-printable"u8) => ContentEncoding.QuotedPrintable,
            _ when lower.SequenceEqual("7bit"u8) => ContentEncoding.SevenBit,
            _ when lower.SequenceEqual("8bit"u8) => ContentEncoding.EightBit,
            _ when lower.SequenceEqual("binary"u8) => ContentEncoding.Binary,
            _ when lower.SequenceEqual("x-uuencode"u8) || lower.SequenceEqual("uuencode"u8) || lower.SequenceEqual("x-uue"u8) => ContentEncoding.UUEncode,
            _ => ContentEncoding.Default,
        };
    }

    /// <summary>The header value for an encoding.</summary>
    public static string ToHeaderValue(ContentEncoding encoding) => encoding switch
    {
        ContentEncoding.Base64 => "base64",
        ContentEncoding.QuotedPrintable => "quoted-printable",
        ContentEncoding.EightBit => "8bit",
        ContentEncoding.Binary => "binary",
        ContentEncoding.UUEncode => "x-uuencode",
        _ => "7bit",
    };

    /// <summary>A fresh decoder for the encoding (identity for 7bit/8bit/binary).</summary>
    public static IContentDecoder CreateDecoder(ContentEncoding encoding) => encoding switch
    {
        ContentEncoding.Base64 => new Base64Decoder(),
        ContentEncoding.QuotedPrintable => new QuotedPrintableDecoder(),
        ContentEncoding.UUEncode => new UUDecoder(),
        _ => IdentityDecoder.Instance,
    };
}

/// <summary>Copies input unchanged.</summary>
public sealed class IdentityDecoder : IContentDecoder
{
    /// <summary>The stateless instance.</summary>
    public static IdentityDecoder Instance { get; } = new();

    /// <inheritdoc />
    public int Decode(ReadOnlySpan<byte> input, Span<byte> output)
    {
        input.CopyTo(output);
        return input.Length;
    }

    /// <inheritdoc />
    public int Flush(Span<byte> output) => 0;
}

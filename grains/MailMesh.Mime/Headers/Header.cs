using System.Runtime.CompilerServices;
using System.Buffers;
using System.Text;
using MailMesh.Mime.Encodings;

namespace MailMesh.Mime.Headers;

/// <summary>
/// One header field. A parsed header keeps its exact bytes (folding, spacing, line breaks) and
/// decodes its value only when asked; a header set by code is formatted by the writer.
/// </summary>
public sealed class Header
{
    private readonly ReadOnlyMemory<byte> _field;
    private readonly int _nameLength;
    private readonly int _valueStart;
    private string? _name;
    private string? _value;
    private string? _text;

    internal Header(ReadOnlyMemory<byte> field, int nameLength, int valueStart)
    {
        _field = field;
        _nameLength = nameLength;
        _valueStart = valueStart;
        IsParsed = true;
    }

    /// <summary>Creates a header with an unencoded value; the writer applies RFC 2047 and folding.</summary>
    public Header(string name, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.AsSpan().IndexOfAny(": \t\r\n") >= 0)
        {
            throw new ArgumentException($"header name '{name}' contains a colon, blank or line break", nameof(name));
        }

        _name = name;
        _value = value;
        _text = value;
    }

    /// <summary>Creates a header whose value is already encoded (7-bit or RFC 6532 UTF-8) and only needs folding.</summary>
    public static Header FromEncoded(string name, string encodedValue) => new(name, encodedValue) { IsPreEncoded = true };

    /// <summary>True for a created header whose value is already encoded (address lists, parameters).</summary>
    public bool IsPreEncoded { get; private init; }

    /// <summary>True when the header came from parsed input and still has its original bytes.</summary>
    public bool IsParsed { get; }

    /// <summary>True for a parsed line that is not a valid field (kept for lossless output, never matched by name).</summary>
    public bool IsInvalid => IsParsed && _nameLength == 0;

    /// <summary>The field name as written (case preserved).</summary>
    public string Name => _name ??= IsInvalid ? string.Empty : KnownHeaders.GetName(_field.Span[.._nameLength]);

    /// <summary>The whole field as parsed, including folding and the final line break (empty for created headers).</summary>
    public ReadOnlyMemory<byte> RawField => _field;

    /// <summary>The bytes after the colon up to, not including, the final line break.</summary>
    public ReadOnlyMemory<byte> RawValue
    {
        get
        {
            if (!IsParsed)
            {
                return Encoding.UTF8.GetBytes(_value!);
            }

            return _field[_valueStart..ValueEnd(_field.Span, _valueStart)];
        }
    }

    /// <summary>Where a parsed field's value ends: before the final line break, never before the value start.</summary>
    internal static int ValueEnd(ReadOnlySpan<byte> field, int valueStart)
    {
        var end = field.Length;
        if (end > 0 && field[end - 1] == (byte)'\n')
        {
            end--;
        }

        if (end > valueStart && field[end - 1] == (byte)'\r')
        {
            end--;
        }

        return Math.Max(end, valueStart);
    }

    /// <summary>The value unfolded and trimmed but not RFC 2047-decoded (raw 8-bit as UTF-8 or the fallback charset).</summary>
    public string RawText => _text ??= DecodeUnfolded(RawValue.Span, static s => Charsets.DecodeRaw(s));

    /// <summary>The value unfolded, trimmed and with RFC 2047 encoded words decoded.</summary>
    public string Value => _value ??= DecodeValue(RawValue.Span);

    /// <summary>What <see cref="Value"/> gives for a parsed field's raw value bytes (without a Header object).</summary>
    internal static string DecodeValue(ReadOnlySpan<byte> rawValue) => DecodeUnfolded(rawValue, static s => Rfc2047.Decode(s));

    /// <summary>The value as given by code (for created headers), else null.</summary>
    internal string? CreatedValue => IsParsed ? null : _value;

    /// <summary>ASCII case-insensitive name comparison without materializing the name.</summary>
    public bool NameEquals(string name)
    {
        if (!IsParsed)
        {
            return string.Equals(_name, name, StringComparison.OrdinalIgnoreCase);
        }

        return NameEquals(_field.Span[.._nameLength], name);
    }

    /// <summary>ASCII case-insensitive comparison of raw field-name bytes with a name (false for an empty, invalid name).</summary>
    internal static bool NameEquals(ReadOnlySpan<byte> span, string name)
    {
        if (span.Length != name.Length || span.IsEmpty)
        {
            return false;
        }

        for (var i = 0; i < span.Length; i++)
        {
            if ((span[i] | 0x20) != (name[i] | 0x20))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes the unfolded, trimmed raw value bytes into a buffer.</summary>
    internal void CopyUnfolded(IBufferWriter<byte> output)
    {
        var value = RawValue.Span;
        value = value.TrimStart(" \t\r\n"u8);
        while (!value.IsEmpty)
        {
            var nl = value.IndexOfAny((byte)'\r', (byte)'\n');
            if (nl < 0)
            {
                output.Write(value);
                break;
            }

            output.Write(value[..nl]);
            value = value[(nl + 1)..];
        }
    }

    [SkipLocalsInit]
    private static string DecodeUnfolded(ReadOnlySpan<byte> raw, Func<ReadOnlySpan<byte>, string> decode)
    {
        if (raw.IndexOfAny((byte)'\r', (byte)'\n') < 0)
        {
            return decode(raw.Trim(" \t"u8));
        }

        // Unfolding only removes bytes, so the value's length bounds the buffer.
        byte[]? rented = null;
        var buffer = raw.Length <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(raw.Length));
        try
        {
            var n = Unfold(raw, buffer);
            return decode(buffer[..n].TrimEnd(" \t"u8));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// The bytes <see cref="RawText"/> decodes, for a raw value: unfolded and trimmed exactly as
    /// <see cref="DecodeUnfolded"/> does, written to <paramref name="output"/> (at least as long as the value).
    /// </summary>
    internal static int UnfoldTrimmed(ReadOnlySpan<byte> raw, Span<byte> output)
    {
        if (raw.IndexOfAny((byte)'\r', (byte)'\n') < 0)
        {
            var trimmed = raw.Trim(" \t"u8);
            trimmed.CopyTo(output);
            return trimmed.Length;
        }

        var n = Unfold(raw, output);
        return output[..n].TrimEnd(" \t"u8).Length;
    }

    /// <summary>The same bytes <see cref="CopyUnfolded"/> writes, into a span at least as long as the value.</summary>
    private static int Unfold(ReadOnlySpan<byte> value, Span<byte> output)
    {
        value = value.TrimStart(" \t\r\n"u8);
        var n = 0;
        while (!value.IsEmpty)
        {
            var nl = value.IndexOfAny((byte)'\r', (byte)'\n');
            if (nl < 0)
            {
                value.CopyTo(output[n..]);
                return n + value.Length;
            }

            value[..nl].CopyTo(output[n..]);
            n += nl;
            value = value[(nl + 1)..];
        }

        return n;
    }

    /// <inheritdoc />
    public override string ToString() => IsInvalid ? Encoding.UTF8.GetString(_field.Span).TrimEnd() : $"{Name}: {Value}";
}

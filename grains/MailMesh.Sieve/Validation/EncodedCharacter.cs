using System.Globalization;
using System.Text;

namespace MailMesh.Sieve.Validation;

/// <summary>Decodes RFC 5228 section 2.4.2.4 encoded characters: <c>${hex:41 42}</c> and <c>${unicode:263A}</c>.</summary>
internal static class EncodedCharacter
{
    public static string Decode(string value, SourcePosition position, SieveValidationContext context)
    {
        var output = new StringBuilder(value.Length);
        var bytes = new List<byte>();
        var i = 0;
        while (i < value.Length)
        {
            var start = value.IndexOf("${", i, StringComparison.Ordinal);
            if (start < 0)
            {
                output.Append(value, i, value.Length - i);
                break;
            }

            output.Append(value, i, start - i);
            var end = value.IndexOf('}', start + 2);
            var body = end < 0 ? null : value.AsSpan(start + 2, end - start - 2);
            var decoded = body is { } b ? TryDecode(b, bytes, position, context) : null;
            if (decoded is null)
            {
                // Not a valid encoding: left as written (the variables extension may use it).
                output.Append("${");
                i = start + 2;
                continue;
            }

            output.Append(decoded);
            i = end + 1;
        }

        return output.ToString();
    }

    private static string? TryDecode(ReadOnlySpan<char> body, List<byte> bytes, SourcePosition position, SieveValidationContext context)
    {
        var colon = body.IndexOf(':');
        if (colon < 0)
        {
            return null;
        }

        var kind = body[..colon].Trim();
        var isHex = kind.Equals("hex", StringComparison.OrdinalIgnoreCase);
        if (!isHex && !kind.Equals("unicode", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var items = body[(colon + 1)..].ToString().Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0)
        {
            return null;
        }

        if (isHex)
        {
            bytes.Clear();
            foreach (var item in items)
            {
                if (item.Length > 2 || !byte.TryParse(item, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    return null;
                }

                bytes.Add(b);
            }

            return Encoding.UTF8.GetString(bytes.ToArray());
        }

        var text = new StringBuilder();
        foreach (var written in items)
        {
            // unicode-hex is 1*HEXDIG: leading zeros do not count towards the 6 digits of a code point.
            var item = written.TrimStart('0') is { Length: > 0 } digits ? digits : "0";
            if (item.Length > 6 || !int.TryParse(item, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var codePoint))
            {
                return null;
            }

            if (codePoint is > 0x10FFFF or (>= 0xD800 and <= 0xDFFF))
            {
                context.Error(position, $"encoded-character: invalid Unicode code point U+{codePoint:X} (allowed: 0-D7FF and E000-10FFFF)");
                return null;
            }

            text.Append(char.ConvertFromUtf32(codePoint));
        }

        return text.ToString();
    }
}

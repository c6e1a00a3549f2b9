using System.Runtime.CompilerServices;
using System.Text;

namespace MailMesh.Mime.Headers;

/// <summary>A parsed Content-Type field (RFC 2045 with RFC 2231 parameters); lenient, never throws.</summary>
public sealed class ContentType
{
    /// <summary>Creates a content type.</summary>
    public ContentType(string mediaType, string mediaSubtype)
    {
        MediaType = mediaType;
        MediaSubtype = mediaSubtype;
    }

    /// <summary>text/plain, the default.</summary>
    public static ContentType TextPlain => new("text", "plain");

    /// <summary>The top-level type, lower-case ("text").</summary>
    public string MediaType { get; set; }

    /// <summary>The subtype, lower-case ("plain").</summary>
    public string MediaSubtype { get; set; }

    /// <summary>"type/subtype".</summary>
    public string MimeType => MediaType + "/" + MediaSubtype;

    /// <summary>Parameters in order.</summary>
    public ParameterList Parameters { get; private init; } = [];

    /// <summary>The boundary parameter.</summary>
    public string? Boundary
    {
        get => Parameters["boundary"];
        set => Parameters["boundary"] = value;
    }

    /// <summary>The charset parameter.</summary>
    public string? Charset
    {
        get => Parameters["charset"];
        set => Parameters["charset"] = value;
    }

    /// <summary>The (obsolete but common) name parameter.</summary>
    public string? Name
    {
        get => Parameters["name"];
        set => Parameters["name"] = value;
    }

    /// <summary>True when type and subtype match (case-insensitive; "*" matches any).</summary>
    public bool IsMimeType(string mediaType, string mediaSubtype) =>
        (mediaType == "*" || string.Equals(MediaType, mediaType, StringComparison.OrdinalIgnoreCase)) &&
        (mediaSubtype == "*" || string.Equals(MediaSubtype, mediaSubtype, StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses a field value; returns null when there is no usable type/subtype.</summary>
    public static ContentType? Parse(string value) => Parse(value.AsSpan());

    /// <summary>Parses a field value given as characters (unfolded and trimmed, as <see cref="Header.RawText"/>); null when unusable.</summary>
    internal static ContentType? Parse(ReadOnlySpan<char> value)
    {
        var pos = 0;
        SkipCfws(value, ref pos);
        var typeStart = pos;
        while (pos < value.Length && value[pos] != '/' && value[pos] != ';' && !char.IsWhiteSpace(value[pos]))
        {
            pos++;
        }

        var typeEnd = pos;
        SkipCfws(value, ref pos);
        string subtype;
        if (pos < value.Length && value[pos] == '/')
        {
            pos++;
            SkipCfws(value, ref pos);
            var subStart = pos;
            while (pos < value.Length && value[pos] != ';' && !char.IsWhiteSpace(value[pos]) && value[pos] != '(')
            {
                pos++;
            }

            subtype = Intern(value.Slice(subStart, pos - subStart));
        }
        else
        {
            // Lenient: "text" alone means text/plain; anything else without a subtype is unusable.
            subtype = value.Slice(typeStart, typeEnd - typeStart).Equals("text", StringComparison.OrdinalIgnoreCase) ? "plain" : string.Empty;
        }

        if (typeEnd == typeStart || subtype.Length == 0)
        {
            return null;
        }

        var type = Intern(value.Slice(typeStart, typeEnd - typeStart));

        while (pos < value.Length && value[pos] != ';')
        {
            pos++;
        }

        return new ContentType(type, subtype) { Parameters = ParameterList.Parse(value, pos) };
    }

    /// <summary>
    /// Parses a parsed field's raw value bytes when they are ASCII and at most 512 bytes long: they are
    /// unfolded and widened on the stack and parsed from there (no string of the value is made). False
    /// for any other value, which the caller parses from <see cref="Header.RawText"/>. Both give the
    /// same result, because RawText of ASCII bytes is exactly those characters, unfolded and trimmed
    /// the same way.
    /// </summary>
    [SkipLocalsInit]
    internal static bool TryParseAscii(ReadOnlySpan<byte> rawValue, out ContentType? result)
    {
        result = null;
        if (rawValue.Length > HeaderList.MaxAsciiText || !System.Text.Ascii.IsValid(rawValue))
        {
            return false;
        }

        Span<byte> unfolded = stackalloc byte[HeaderList.MaxAsciiText];
        var n = Header.UnfoldTrimmed(rawValue, unfolded);
        Span<char> chars = stackalloc char[HeaderList.MaxAsciiText];
        System.Text.Ascii.ToUtf16(unfolded[..n], chars, out var written);
        result = Parse(chars[..written]);
        return true;
    }

    internal static void SkipCfws(string s, ref int pos) => SkipCfws(s.AsSpan(), ref pos);

    internal static void SkipCfws(ReadOnlySpan<char> s, ref int pos)
    {
        while (pos < s.Length)
        {
            if (char.IsWhiteSpace(s[pos]))
            {
                pos++;
            }
            else if (s[pos] == '(')
            {
                var depth = 0;
                while (pos < s.Length)
                {
                    if (s[pos] == '\\')
                    {
                        pos++;
                    }
                    else if (s[pos] == '(')
                    {
                        depth++;
                    }
                    else if (s[pos] == ')' && --depth == 0)
                    {
                        pos++;
                        break;
                    }

                    pos++;
                }

                // A comment ending in a backslash ("(\") must not leave the position past the end.
                pos = Math.Min(pos, s.Length);
            }
            else
            {
                break;
            }
        }
    }

    private static readonly string[] CommonNames =
    [
        "text", "plain", "html", "multipart", "mixed", "alternative", "related", "message", "rfc822",
        "application", "octet-stream", "image", "delivery-status", "report", "pdf", "jpeg", "png", "gif",
    ];

    /// <summary>The lower-case name, as a shared literal for common names (no allocation).</summary>
    private static string Intern(ReadOnlySpan<char> s)
    {
        foreach (var name in CommonNames)
        {
            if (s.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return name;
            }
        }

        return s.ToString().ToLowerInvariant();
    }

    /// <summary>Formats the field value.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(MimeType);
        Parameters.AppendTo(sb);
        return sb.ToString();
    }
}

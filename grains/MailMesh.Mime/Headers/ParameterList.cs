using System.Text;
using MailMesh.Mime.Encodings;

namespace MailMesh.Mime.Headers;

/// <summary>A parameter of a Content-Type or Content-Disposition field, already RFC 2231/2047-decoded.</summary>
/// <param name="Name">Parameter name as written (without RFC 2231 section markers).</param>
/// <param name="Value">Decoded value.</param>
public sealed record Parameter(string Name, string Value);

/// <summary>Ordered, case-insensitive parameters with RFC 2231 continuations and charsets joined and decoded.</summary>
public sealed class ParameterList : List<Parameter>
{
    /// <summary>The value of a parameter, or null.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var p in this)
            {
                if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return p.Value;
                }
            }

            return null;
        }

        set
        {
            var index = FindIndex(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            if (value is null)
            {
                if (index >= 0)
                {
                    RemoveAt(index);
                }
            }
            else if (index >= 0)
            {
                this[index] = new Parameter(this[index].Name, value);
            }
            else
            {
                Add(new Parameter(name, value));
            }
        }
    }

    /// <summary>Parses "; a=b; c*0*=utf-8''%C3%A9; ..." starting at <paramref name="pos"/>; never throws.</summary>
    internal static ParameterList Parse(string text, int pos) => Parse(text.AsSpan(), pos);

    /// <summary>
    /// Parses parameters from characters (the unfolded field value); the same as the string form, used
    /// by the parser on a stack copy of an ASCII value so that no string of the whole value is made.
    /// </summary>
    internal static ParameterList Parse(ReadOnlySpan<char> text, int pos)
    {
        var list = new ParameterList();
        List<(string Name, int Section, bool Encoded, string Value)>? sections = null;
        while (pos < text.Length)
        {
            while (pos < text.Length && (text[pos] == ';' || char.IsWhiteSpace(text[pos])))
            {
                pos++;
            }

            var nameStart = pos;
            while (pos < text.Length && text[pos] != '=' && text[pos] != ';')
            {
                pos++;
            }

            var rawNameSpan = text[nameStart..pos].Trim();
            if (pos >= text.Length || text[pos] == ';')
            {
                continue;
            }

            pos++;
            while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t'))
            {
                pos++;
            }

            string value;
            if (pos < text.Length && text[pos] == '"')
            {
                pos++;
                value = ReadQuoted(text, ref pos);
                pos++;
                // Lenient: garbage after the closing quote up to the next ';' is ignored.
                while (pos < text.Length && text[pos] != ';')
                {
                    pos++;
                }
            }
            else
            {
                var valueStart = pos;
                while (pos < text.Length && text[pos] != ';')
                {
                    pos++;
                }

                value = Common(text[valueStart..pos].Trim(), CommonValues);
            }

            if (rawNameSpan.Length == 0)
            {
                continue;
            }

            var star = rawNameSpan.IndexOf('*');
            if (star < 0)
            {
                list.Add(new Parameter(Common(rawNameSpan, CommonNames), DecodeLenient(value)));
                continue;
            }

            var rawName = rawNameSpan.ToString();
            var baseName = rawName[..star];
            var rest = rawName[(star + 1)..];
            var encoded = rest.EndsWith('*') || rest.Length == 0;
            var sectionText = rest.TrimEnd('*');
            var section = int.TryParse(sectionText, out var s) ? s : 0;
            sections ??= [];
            sections.Add((baseName, section, encoded, value));
        }

        if (sections is not null)
        {
            JoinSections(list, sections);
        }

        return list;
    }

    private static readonly string[] CommonNames = ["charset", "boundary", "name", "filename", "format", "delsp", "type", "size", "reply-type", "method"];

    private static readonly string[] CommonValues = ["utf-8", "UTF-8", "us-ascii", "US-ASCII", "iso-8859-1", "ISO-8859-1", "windows-1252", "flowed", "yes", "no"];

    /// <summary>The characters as a string: a shared literal when they equal one of <paramref name="common"/> exactly (case kept), else a new string.</summary>
    private static string Common(ReadOnlySpan<char> s, string[] common)
    {
        foreach (var c in common)
        {
            if (s.SequenceEqual(c))
            {
                return c;
            }
        }

        return s.ToString();
    }

    /// <summary>Reads a quoted string's content from just after the opening quote up to the closing quote (or the end), unescaping backslashes.</summary>
    private static string ReadQuoted(ReadOnlySpan<char> text, ref int pos)
    {
        var start = pos;
        var rel = text[start..].IndexOfAny('"', '\\');
        if (rel < 0 || text[start + rel] == '"')
        {
            // No escapes (the usual case): one substring, no builder.
            pos = rel < 0 ? text.Length : start + rel;
            return text[start..pos].ToString();
        }

        var sb = new StringBuilder(text.Length - start);
        while (pos < text.Length && text[pos] != '"')
        {
            if (text[pos] == '\\' && pos + 1 < text.Length)
            {
                pos++;
            }

            sb.Append(text[pos++]);
        }

        return sb.ToString();
    }

    private static string DecodeLenient(string value) =>
        value.Contains("=?", StringComparison.Ordinal) ? Rfc2047.Decode(value) : value;

    private static void JoinSections(ParameterList list, List<(string Name, int Section, bool Encoded, string Value)> sections)
    {
        foreach (var group in sections.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase))
        {
            var ordered = group.OrderBy(s => s.Section).ToList();
            string? charset = null;
            var bytes = new List<byte>();
            var first = true;
            foreach (var part in ordered)
            {
                var v = part.Value;
                if (part.Encoded)
                {
                    if (first)
                    {
                        var q1 = v.IndexOf('\'', StringComparison.Ordinal);
                        var q2 = q1 >= 0 ? v.IndexOf('\'', q1 + 1) : -1;
                        if (q2 > q1)
                        {
                            charset = v[..q1];
                            v = v[(q2 + 1)..];
                        }
                    }

                    PercentDecode(v, bytes);
                }
                else
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(v));
                }

                first = false;
            }

            var value = Charsets.Decode(bytes.ToArray(), string.IsNullOrEmpty(charset) ? null : charset);
            var existing = list.FindIndex(p => string.Equals(p.Name, group.Key, StringComparison.OrdinalIgnoreCase));
            if (existing >= 0)
            {
                // An RFC 2231 value wins over a plain fallback of the same name.
                list[existing] = new Parameter(list[existing].Name, value);
            }
            else
            {
                list.Add(new Parameter(group.Key, value));
            }
        }
    }

    private static void PercentDecode(string v, List<byte> bytes)
    {
        for (var i = 0; i < v.Length; i++)
        {
            var c = v[i];
            if (c == '%' && i + 2 < v.Length && Uri.IsHexDigit(v[i + 1]) && Uri.IsHexDigit(v[i + 2]))
            {
                bytes.Add((byte)((Uri.FromHex(v[i + 1]) << 4) | Uri.FromHex(v[i + 2])));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }
    }

    /// <summary>Formats the parameters ("; name=value" each), quoting as needed and using RFC 2231 for non-ASCII values.</summary>
    public void AppendTo(StringBuilder sb)
    {
        foreach (var p in this)
        {
            sb.Append("; ");
            if (!Ascii.IsValid(p.Value))
            {
                sb.Append(p.Name).Append("*=utf-8''");
                foreach (var b in Encoding.UTF8.GetBytes(p.Value))
                {
                    if (b < 0x80 && (char.IsAsciiLetterOrDigit((char)b) || "!#$&+-.^_`|~".Contains((char)b, StringComparison.Ordinal)))
                    {
                        sb.Append((char)b);
                    }
                    else
                    {
                        sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
            }
            else if (p.Value.Length > 0 && p.Value.AsSpan().IndexOfAny(" ()<>@,;:\\\"/[]?=\t") < 0)
            {
                sb.Append(p.Name).Append('=').Append(p.Value);
            }
            else
            {
                sb.Append(p.Name).Append("=\"").Append(p.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
            }
        }
    }
}

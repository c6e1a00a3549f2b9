using System.Security.Cryptography;
using System.Text;

namespace MailMesh.Campaigns.Dkim;

/// <summary>One header field as it appears in a message: its name and its raw bytes (name, colon, value, folding and
/// the final CRLF), read as Latin-1 so every byte keeps its value.</summary>
/// <param name="Name">The field name.</param>
/// <param name="Raw">The whole field.</param>
internal readonly record struct RawHeader(string Name, string Raw);

/// <summary>RFC 6376 section 3.4 "relaxed" canonicalization of header fields and bodies.</summary>
internal static class DkimCanonicalizer
{
    /// <summary>The header fields of <paramref name="message"/> (up to the first empty line) and where the body starts.</summary>
    public static (List<RawHeader> Headers, int BodyStart) SplitHeaders(ReadOnlySpan<byte> message)
    {
        var headers = new List<RawHeader>();
        var at = 0;
        while (at < message.Length)
        {
            var lineEnd = message[at..].IndexOf((byte)'\n');
            var next = lineEnd < 0 ? message.Length : at + lineEnd + 1;
            var line = message[at..next];
            if (line.SequenceEqual("\r\n"u8) || line.SequenceEqual("\n"u8))
            {
                return (headers, next);
            }

            if (line[0] is (byte)' ' or (byte)'\t' && headers.Count > 0)
            {
                headers[^1] = headers[^1] with { Raw = headers[^1].Raw + Encoding.Latin1.GetString(line) };
            }
            else
            {
                var colon = line.IndexOf((byte)':');
                var name = colon < 0 ? Encoding.Latin1.GetString(line).TrimEnd() : Encoding.Latin1.GetString(line[..colon]).TrimEnd();
                headers.Add(new RawHeader(name, Encoding.Latin1.GetString(line)));
            }

            at = next;
        }

        return (headers, message.Length);
    }

    /// <summary>The relaxed form of a header field: lower-case name, unfolded, runs of whitespace as one space, none
    /// around the colon or at the end; then CRLF when <paramref name="withCrlf"/>.</summary>
    public static string RelaxedHeader(string raw, bool withCrlf)
    {
        var colon = raw.IndexOf(':', StringComparison.Ordinal);
        var name = (colon < 0 ? raw : raw[..colon]).Trim().ToLowerInvariant();
        var value = colon < 0 ? string.Empty : raw[(colon + 1)..];
        var sb = new StringBuilder(raw.Length);
        sb.Append(name).Append(':');
        var space = false;
        foreach (var c in value)
        {
            if (c is '\r' or '\n')
            {
                continue;
            }

            if (c is ' ' or '\t')
            {
                space = true;
                continue;
            }

            if (space && sb.Length > name.Length + 1)
            {
                sb.Append(' ');
            }

            space = false;
            sb.Append(c);
        }

        if (withCrlf)
        {
            sb.Append("\r\n");
        }

        return sb.ToString();
    }

    /// <summary>Feeds the relaxed form of <paramref name="body"/> to <paramref name="hash"/>: whitespace runs as one
    /// space, none at line ends, no empty lines at the end, a final CRLF when the body is not empty.</summary>
    public static void RelaxedBody(ReadOnlySpan<byte> body, IncrementalHash hash)
    {
        var pendingEmpty = 0;
        var buffer = new byte[256];
        var at = 0;
        while (at < body.Length)
        {
            var lf = body[at..].IndexOf((byte)'\n');
            var line = lf < 0 ? body[at..] : body.Slice(at, lf);
            at = lf < 0 ? body.Length : at + lf + 1;
            if (lf >= 0 && line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }

            if (buffer.Length < line.Length + 2)
            {
                buffer = new byte[line.Length * 2 + 2];
            }

            var length = 0;
            var space = false;
            foreach (var b in line)
            {
                if (b is (byte)' ' or (byte)'\t')
                {
                    space = true;
                    continue;
                }

                if (space)
                {
                    buffer[length++] = (byte)' ';
                    space = false;
                }

                buffer[length++] = b;
            }

            if (length == 0)
            {
                pendingEmpty++;
                continue;
            }

            for (; pendingEmpty > 0; pendingEmpty--)
            {
                hash.AppendData("\r\n"u8);
            }

            buffer[length++] = (byte)'\r';
            buffer[length++] = (byte)'\n';
            hash.AppendData(buffer, 0, length);
        }
    }
}

using System.Buffers;
using System.Numerics;

namespace MailMesh.Campaigns.Dkim;

/// <summary>Where one header field lies in a message: its raw bytes (name, colon, value, folding and the final line
/// end) and the length of its name (without whitespace before the colon).</summary>
/// <param name="Start">Offset of the field in the message.</param>
/// <param name="Length">Length of the whole field.</param>
/// <param name="NameLength">Length of the trimmed field name.</param>
internal readonly record struct HeaderRange(int Start, int Length, int NameLength);

/// <summary>RFC 6376 section 3.4 "relaxed" canonicalization of header fields and bodies, over the message's bytes
/// without decoding them (every byte keeps its value) and without allocating per field or per line.</summary>
internal static class DkimCanonicalizer
{
    private static readonly SearchValues<byte> SpaceOrTab = SearchValues.Create(" \t"u8);
    private static readonly SearchValues<byte> WhitespaceOrLineEnd = SearchValues.Create(" \t\r\n"u8);
    private static readonly SearchValues<byte> TabOrLineEnd = SearchValues.Create("\t\r\n"u8);

    /// <summary>Adds the header fields of <paramref name="message"/> (up to the first empty line) to
    /// <paramref name="headers"/> and returns where the body starts.</summary>
    public static int SplitHeaders(ReadOnlySpan<byte> message, List<HeaderRange> headers)
    {
        var at = 0;
        while (at < message.Length)
        {
            var lineEnd = message[at..].IndexOf((byte)'\n');
            var next = lineEnd < 0 ? message.Length : at + lineEnd + 1;
            var line = message[at..next];
            if (line.SequenceEqual("\r\n"u8) || line.SequenceEqual("\n"u8))
            {
                return next;
            }

            if (line[0] is (byte)' ' or (byte)'\t' && headers.Count > 0)
            {
                headers[^1] = headers[^1] with { Length = next - headers[^1].Start };
            }
            else
            {
                var colon = line.IndexOf((byte)':');
                var name = colon < 0 ? line : line[..colon];
                headers.Add(new HeaderRange(at, line.Length, name.TrimEnd(" \t\r\n"u8).Length));
            }

            at = next;
        }

        return message.Length;
    }

    /// <summary>Writes the relaxed form of the field <paramref name="raw"/> to <paramref name="output"/>: lower-case
    /// name, unfolded, runs of whitespace as one space, none around the colon or at the end; then CRLF when
    /// <paramref name="withCrlf"/>. <paramref name="output"/> must hold <c>raw.Length + 2</c> bytes.</summary>
    /// <returns>How many bytes were written.</returns>
    public static int RelaxedHeader(ReadOnlySpan<byte> raw, Span<byte> output, bool withCrlf)
    {
        var colon = raw.IndexOf((byte)':');
        var name = (colon < 0 ? raw : raw[..colon]).Trim(" \t\r\n"u8);
        var written = System.Text.Ascii.ToLower(name, output, out var nameLength) == OperationStatus.Done ? nameLength : LowerLatin1(name, output);
        output[written++] = (byte)':';
        var value = colon < 0 ? [] : raw[(colon + 1)..];
        var simple = SingleSpacedValue(value, output[written..]);
        written += simple >= 0 ? simple : RelaxedValue(value, output[written..]);
        if (withCrlf)
        {
            output[written++] = (byte)'\r';
            output[written++] = (byte)'\n';
        }

        return written;
    }

    /// <summary>Writes the relaxed form of a field's value (after the colon) to <paramref name="output"/>: unfolded, runs
    /// of whitespace as one space, none at the start or the end.</summary>
    /// <returns>How many bytes were written.</returns>
    internal static int RelaxedValue(ReadOnlySpan<byte> value, Span<byte> output)
    {
        var written = 0;
        var pendingSpace = false;
        while (!value.IsEmpty)
        {
            var gap = value.IndexOfAny(WhitespaceOrLineEnd);
            var run = gap < 0 ? value : value[..gap];
            if (!run.IsEmpty)
            {
                if (pendingSpace && written > 0)
                {
                    output[written++] = (byte)' ';
                }

                run.CopyTo(output[written..]);
                written += run.Length;
                pendingSpace = false;
            }

            if (gap < 0)
            {
                break;
            }

            // CR and LF vanish (unfolding); a space or tab anywhere in the gap makes one space.
            value = value[gap..];
            var after = value.IndexOfAnyExcept(WhitespaceOrLineEnd);
            var gapBytes = after < 0 ? value : value[..after];
            pendingSpace |= gapBytes.IndexOfAny(SpaceOrTab) >= 0;
            value = after < 0 ? [] : value[after..];
        }

        return written;
    }

    /// <summary>The relaxed form of a value whose whitespace, once its CRLFs are gone, is single spaces (as the composer
    /// writes its fields: folded at a space, no tab, no run of spaces), written with a few searches instead of some per
    /// word; -1 when the value is not so (<paramref name="output"/> then holds nothing useful).</summary>
    /// <returns>How many bytes were written, or -1.</returns>
    internal static int SingleSpacedValue(ReadOnlySpan<byte> value, Span<byte> output)
    {
        var length = 0;
        while (true)
        {
            var crlf = value.IndexOf("\r\n"u8);
            var part = crlf < 0 ? value : value[..crlf];
            part.CopyTo(output[length..]);
            length += part.Length;
            if (crlf < 0)
            {
                break;
            }

            value = value[(crlf + 2)..];
        }

        var unfolded = output[..length];
        if (unfolded.IndexOfAny(TabOrLineEnd) >= 0 || unfolded.IndexOf("  "u8) >= 0)
        {
            return -1;
        }

        // What is left of whitespace is single spaces between words, one at the start and one at the end at most.
        var start = length > 0 && unfolded[0] == (byte)' ' ? 1 : 0;
        var end = length > start && unfolded[^1] == (byte)' ' ? length - 1 : length;
        unfolded[start..end].CopyTo(output);
        return end - start;
    }

    /// <summary>The SHA-256 of the relaxed form of <paramref name="body"/>: whitespace runs as one space, none at line
    /// ends, no empty lines at the end, a final CRLF when the body is not empty.</summary>
    public static void RelaxedBodyHash(ReadOnlySpan<byte> body, Span<byte> hash)
    {
        if (RelaxedLength(body) is var relaxed and >= 0)
        {
            OpenSslSha256.Hash(body[..relaxed], hash);
            return;
        }

        // Each line grows by at most one byte (a bare LF becomes CRLF) and the last one by two.
        var buffer = ArrayPool<byte>.Shared.Rent(body.Length + body.Count((byte)'\n') + 2);
        try
        {
            var length = RelaxedBody(body, buffer);
            OpenSslSha256.Hash(buffer.AsSpan(0, length), hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>When the relaxed form of <paramref name="body"/> is a prefix of it (as for the MIME writer's bodies: no
    /// tab, no run of spaces, no space before a line end, every line ended by CRLF), its length: the body without its
    /// trailing empty lines. Otherwise -1, and the body must be copied into its relaxed form.</summary>
    internal static int RelaxedLength(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return 0;
        }

        if (!body.EndsWith("\r\n"u8) || body.Contains((byte)'\t') || body.IndexOf("  "u8) >= 0 || body.IndexOf(" \r\n"u8) >= 0)
        {
            return -1;
        }

        if (!EveryLfAfterCr(body))
        {
            return -1;
        }

        // Empty lines at the end go: a CRLF that starts a line.
        var length = body.Length;
        while (length >= 2 && (length == 2 || body[length - 3] == (byte)'\n'))
        {
            length -= 2;
        }

        return length;
    }

    /// <summary>Whether every LF in <paramref name="body"/> follows a CR, compared a vector of bytes at a time with the bytes
    /// one before them (a body's lines are short: a search per line cost more than the comparison of the whole body).</summary>
    internal static bool EveryLfAfterCr(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return true;
        }

        if (body[0] == (byte)'\n')
        {
            return false;
        }

        var i = 1;
        if (Vector.IsHardwareAccelerated)
        {
            var lf = new Vector<byte>((byte)'\n');
            var cr = new Vector<byte>((byte)'\r');
            for (; i + Vector<byte>.Count <= body.Length; i += Vector<byte>.Count)
            {
                var bare = Vector.AndNot(Vector.Equals(new Vector<byte>(body[i..]), lf), Vector.Equals(new Vector<byte>(body[(i - 1)..]), cr));
                if (bare != Vector<byte>.Zero)
                {
                    return false;
                }
            }
        }

        for (; i < body.Length; i++)
        {
            if (body[i] == (byte)'\n' && body[i - 1] != (byte)'\r')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes the relaxed form of <paramref name="body"/> to <paramref name="output"/>, which must hold
    /// <c>body.Length</c> plus one byte per line feed plus two.</summary>
    /// <returns>How many bytes were written.</returns>
    public static int RelaxedBody(ReadOnlySpan<byte> body, Span<byte> output)
    {
        var written = 0;
        var pendingEmpty = 0;
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

            var first = line.IndexOfAnyExcept(SpaceOrTab);
            if (first < 0)
            {
                pendingEmpty++;
                continue;
            }

            for (; pendingEmpty > 0; pendingEmpty--)
            {
                output[written++] = (byte)'\r';
                output[written++] = (byte)'\n';
            }

            if (first > 0)
            {
                output[written++] = (byte)' ';
                line = line[first..];
            }

            while (true)
            {
                var gap = line.IndexOfAny(SpaceOrTab);
                var run = gap < 0 ? line : line[..gap];
                run.CopyTo(output[written..]);
                written += run.Length;
                if (gap < 0)
                {
                    break;
                }

                line = line[gap..];
                var next = line.IndexOfAnyExcept(SpaceOrTab);
                if (next < 0)
                {
                    break; // whitespace at the end of a line goes
                }

                output[written++] = (byte)' ';
                line = line[next..];
            }

            output[written++] = (byte)'\r';
            output[written++] = (byte)'\n';
        }

        return written;
    }

    // Header names are ASCII by RFC 5322; a Latin-1 byte in a broken one is kept as it is, as a verifier would.
    private static int LowerLatin1(ReadOnlySpan<byte> name, Span<byte> output)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var b = name[i];
            output[i] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
        }

        return name.Length;
    }
}

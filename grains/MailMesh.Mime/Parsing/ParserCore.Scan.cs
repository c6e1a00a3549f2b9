using MailMesh.Mime.Headers;

namespace MailMesh.Mime.Parsing;

internal sealed partial class ParserCore
{
    /// <summary>A delimiter line found in a body, or the end of input (Frame -1).</summary>
    /// <param name="Frame">Index of the multipart frame whose boundary matched, -1 at end of input.</param>
    /// <param name="IsClose">True for a closing delimiter ("--b--").</param>
    /// <param name="ContentEnd">End of the content before it (the line break before the delimiter belongs to the delimiter).</param>
    /// <param name="LineEnd">Just past the delimiter line's line break.</param>
    private readonly record struct Hit(int Frame, bool IsClose, int ContentEnd, int LineEnd);

    private Hit FindBoundary(int from)
    {
        var span = _memory.Span;
        if (_frames.Count == 0)
        {
            return new Hit(-1, false, span.Length, span.Length);
        }

        if (TryMatch(span, from, from, out var hit))
        {
            return hit;
        }

        if (_dashLines is { } known)
        {
            // The line breaks followed by "-" are known (found by the mbox reader's pass): only those
            // lines can be delimiters.
            var lines = known.Span;
            for (var k = LowerBound(lines, from); k < lines.Length; k++)
            {
                if (TryMatch(span, lines[k] + 1, from, out hit))
                {
                    return hit;
                }
            }

            return new Hit(-1, false, span.Length, span.Length);
        }

        var pos = from;
        while (true)
        {
            var idx = span[pos..].IndexOf("\n--"u8);
            if (idx < 0)
            {
                return new Hit(-1, false, span.Length, span.Length);
            }

            var lineStart = pos + idx + 1;
            if (TryMatch(span, lineStart, from, out hit))
            {
                return hit;
            }

            pos = lineStart;
        }
    }

    /// <summary>The index of the first value at or above <paramref name="value"/> in an ascending list.</summary>
    private static int LowerBound(ReadOnlySpan<int> values, int value)
    {
        var lo = 0;
        var hi = values.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (values[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private bool TryMatch(ReadOnlySpan<byte> span, int lineStart, int from, out Hit hit)
    {
        hit = default;
        if (span.Length - lineStart < 2 || span[lineStart] != (byte)'-' || span[lineStart + 1] != (byte)'-')
        {
            return false;
        }

        var rest = span[(lineStart + 2)..];
        for (var i = _frames.Count - 1; i >= 0; i--)
        {
            var boundary = _frames[i].Boundary;
            if (!rest.StartsWith(boundary))
            {
                continue;
            }

            var p = lineStart + 2 + boundary.Length;
            var close = p + 1 < span.Length && span[p] == (byte)'-' && span[p + 1] == (byte)'-';
            var q = close ? p + 2 : p;
            var nl = span[q..].IndexOf((byte)'\n');
            var lineEnd = nl < 0 ? span.Length : q + nl + 1;
            // RFC 2046: only the start of the line must match. Accepted after the boundary: blanks
            // (transport padding), "--" and anything (closing), or a blank and anything. A boundary
            // directly followed by more boundary characters is another boundary, not this one.
            var tail = span[q..(nl < 0 ? span.Length : q + nl)];
            if (!close && tail.Length > 0 && tail[0] is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
            {
                continue;
            }

            var contentEnd = lineStart;
            if (contentEnd > from && span[contentEnd - 1] == (byte)'\n')
            {
                contentEnd--;
                if (contentEnd > from && span[contentEnd - 1] == (byte)'\r')
                {
                    contentEnd--;
                }
            }

            hit = new Hit(i, close, contentEnd, lineEnd);
            return true;
        }

        return false;
    }

    /// <summary>A parsed header block; <paramref name="ContentType"/> is the index of the first Content-Type field, or -1.</summary>
    private readonly record struct HeaderBlock(HeaderList Headers, int BodyStart, int ContentType, ReadOnlyMemory<byte>? TransferEncoding);

    private HeaderBlock ParseHeaders(int start)
    {
        var span = _memory.Span;
        // One scratch list per thread: a block's field positions are copied into an exact-size array.
        var headers = t_fieldScratch ??= new List<FieldRange>(64);
        headers.Clear();
        var contentType = -1;
        var transferEncoding = -1;
        var pos = start;
        var fieldStart = -1;
        var nameLength = 0;
        var valueStart = 0;
        var bodyStart = span.Length;
        var blockEnd = span.Length;
        while (pos < span.Length)
        {
            var nl = span[pos..].IndexOf((byte)'\n');
            var next = nl < 0 ? span.Length : pos + nl + 1;
            if (next - pos > _options.MaxLineLength)
            {
                throw new MimeFormatException($"header line longer than {_options.MaxLineLength} bytes (ParserOptions.MaxLineLength)", pos);
            }

            if (next - start > _options.MaxHeaderSize)
            {
                throw new MimeFormatException($"header block larger than {_options.MaxHeaderSize} bytes (ParserOptions.MaxHeaderSize)", start);
            }

            var line = span[pos..next];
            if (line[0] is (byte)'\r' or (byte)'\n' && line.IndexOfAnyExcept((byte)'\r', (byte)'\n') < 0)
            {
                bodyStart = next;
                blockEnd = next;
                break;
            }

            if (line[0] is (byte)' ' or (byte)'\t' && fieldStart >= 0)
            {
                pos = next;
                continue;
            }

            var colon = line.IndexOf((byte)':');
            var nameLen = colon > 0 ? ValidNameLength(line[..colon]) : 0;
            if (nameLen == 0 && pos == start && (line.StartsWith("From "u8) || line.StartsWith(">From "u8)))
            {
                // An mbox separator (often ">From "-quoted) opening an embedded message: kept as an
                // invalid field so the header block goes on and the bytes survive rewriting.
                headers.Add(new FieldRange(pos, next - pos, 0, 0));
                pos = next;
                continue;
            }

            if (nameLen == 0)
            {
                if (_options.Strict)
                {
                    throw new MimeFormatException("invalid header line (no field name and colon)", pos);
                }

                // Lenient: the line starts the body (as most mail readers do).
                bodyStart = pos;
                blockEnd = pos;
                break;
            }

            if (fieldStart >= 0)
            {
                AddField(headers, fieldStart, pos, nameLength, valueStart, ref contentType, ref transferEncoding);
            }

            fieldStart = pos;
            nameLength = nameLen;
            valueStart = colon + 1;
            pos = next;
        }

        if (fieldStart >= 0)
        {
            AddField(headers, fieldStart, pos, nameLength, valueStart, ref contentType, ref transferEncoding);
        }

        var list = new HeaderList(_memory, headers.ToArray(), _memory[start..blockEnd]);
        ReadOnlyMemory<byte>? cte = null;
        if (transferEncoding >= 0)
        {
            var f = headers[transferEncoding];
            var field = _memory.Slice(f.Start, f.Length);
            cte = field[f.ValueStart..Header.ValueEnd(field.Span, f.ValueStart)];
        }

        return new HeaderBlock(list, bodyStart, contentType, cte);
    }

    private void AddField(List<FieldRange> headers, int start, int end, int nameLength, int valueStart, ref int contentType, ref int transferEncoding)
    {
        headers.Add(new FieldRange(start, end - start, nameLength, valueStart));
        switch (nameLength)
        {
            case 12 when contentType < 0 && Header.NameEquals(_memory.Span.Slice(start, nameLength), "Content-Type"):
                contentType = headers.Count - 1;
                break;
            case 25 when transferEncoding < 0 && Header.NameEquals(_memory.Span.Slice(start, nameLength), "Content-Transfer-Encoding"):
                transferEncoding = headers.Count - 1;
                break;
            default:
                break;
        }
    }

    /// <summary>Length of the field name without trailing blanks, or 0 when it is not a valid name.</summary>
    private static int ValidNameLength(ReadOnlySpan<byte> name)
    {
        var trimmed = name.TrimEnd(" \t"u8);
        if (trimmed.IsEmpty)
        {
            return 0;
        }

        foreach (var b in trimmed)
        {
            // Lenient: 8-bit bytes in a name make it invalid by RFC 5322 but real mail has them;
            // the field is kept (so the header block goes on) and matches no known name.
            if (b is <= 32 or 127)
            {
                return 0;
            }
        }

        return trimmed.Length;
    }
}

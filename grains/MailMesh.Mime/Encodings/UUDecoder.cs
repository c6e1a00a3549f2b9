namespace MailMesh.Mime.Encodings;

/// <summary>Decodes uuencoded data: skips to the "begin" line, decodes lines, stops at "end".</summary>
public sealed class UUDecoder : IContentDecoder
{
    private readonly byte[] _line = new byte[256];
    private int _lineLength;
    private bool _lineOverflow;
    private Phase _phase;

    /// <summary>Creates a decoder; <paramref name="expectBegin"/> false when the "begin" line was already consumed.</summary>
    public UUDecoder(bool expectBegin = true)
    {
        _phase = expectBegin ? Phase.BeforeBegin : Phase.Body;
    }

    private enum Phase
    {
        BeforeBegin,
        Body,
        Done,
    }

    /// <inheritdoc />
    public int Decode(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var w = 0;
        var i = 0;
        while (i < input.Length && _phase != Phase.Done)
        {
            var nl = input[i..].IndexOf((byte)'\n');
            var part = nl < 0 ? input[i..] : input.Slice(i, nl);
            Append(part);
            if (nl < 0)
            {
                break;
            }

            i += nl + 1;
            w += EndLine(output[w..]);
        }

        return w;
    }

    /// <inheritdoc />
    public int Flush(Span<byte> output) => _lineLength > 0 ? EndLine(output) : 0;

    private void Append(ReadOnlySpan<byte> part)
    {
        var room = _line.Length - _lineLength;
        if (part.Length > room)
        {
            _lineOverflow = true;
            part = part[..room];
        }

        part.CopyTo(_line.AsSpan(_lineLength));
        _lineLength += part.Length;
    }

    private int EndLine(Span<byte> output)
    {
        var line = _line.AsSpan(0, _lineLength).TrimEnd("\r \t"u8);
        var overflow = _lineOverflow;
        _lineLength = 0;
        _lineOverflow = false;
        if (_phase == Phase.BeforeBegin)
        {
            if (line.StartsWith("begin "u8))
            {
                _phase = Phase.Body;
            }

            return 0;
        }

        if (line.SequenceEqual("end"u8))
        {
            _phase = Phase.Done;
            return 0;
        }

        if (line.IsEmpty || overflow)
        {
            return 0;
        }

        return DecodeLine(line, output);
    }

    /// <summary>Decodes one uuencoded line (length character first); returns bytes written.</summary>
    public static int DecodeLine(ReadOnlySpan<byte> line, Span<byte> output)
    {
        if (line.IsEmpty)
        {
            return 0;
        }

        var n = (line[0] - 32) & 63;
        var w = 0;
        var i = 1;
        while (w < n && i < line.Length)
        {
            var c0 = Char6(line, i);
            var c1 = Char6(line, i + 1);
            var c2 = Char6(line, i + 2);
            var c3 = Char6(line, i + 3);
            var group = (c0 << 18) | (c1 << 12) | (c2 << 6) | c3;
            for (var k = 0; k < 3 && w < n; k++)
            {
                output[w++] = (byte)(group >> (16 - (8 * k)));
            }

            i += 4;
        }

        return w;
    }

    private static int Char6(ReadOnlySpan<byte> line, int i) => i < line.Length ? (line[i] - 32) & 63 : 0;
}

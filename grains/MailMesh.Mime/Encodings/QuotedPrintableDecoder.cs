using System.Numerics;
using System.Runtime.Intrinsics;

namespace MailMesh.Mime.Encodings;

/// <summary>
/// Lenient quoted-printable: soft line breaks (also "=" followed by trailing blanks), lower-case hex,
/// and bad escapes kept literally; line breaks in the text are kept as they are.
/// </summary>
public sealed class QuotedPrintableDecoder : IContentDecoder
{
    private State _state;
    private byte _first;
    private int _blanks;

    private enum State
    {
        Text,
        AfterEquals,
        AfterFirstHex,
        SoftBreakBlanks,
        SoftBreakCr,
    }

    /// <inheritdoc />
    public int Decode(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var w = 0;
        var i = 0;
        while (i < input.Length)
        {
            if (_state == State.Text)
            {
                i = CopyText(input, i, output, ref w);
                if (i == input.Length)
                {
                    return w;
                }

                // Fast path for the common escapes when all their bytes are in this chunk (and for
                // runs of them, as in "=C3=A9"); it does exactly what the state machine below does.
                while (i + 2 < input.Length && input[i] == (byte)'=')
                {
                    int hi = HexTable[input[i + 1]];
                    int lo = HexTable[input[i + 2]];
                    if ((hi | lo) >= 0)
                    {
                        output[w++] = (byte)((hi << 4) | lo);
                        i += 3;
                    }
                    else if (input[i + 1] == (byte)'\n')
                    {
                        i += 2;
                    }
                    else if (input[i + 1] == (byte)'\r' && input[i + 2] == (byte)'\n')
                    {
                        i += 3;
                    }
                    else
                    {
                        break;
                    }
                }

                if (i < input.Length && input[i] == (byte)'=')
                {
                    i++;
                    _state = State.AfterEquals;
                }

                continue;
            }

            var b = input[i++];
            switch (_state)
            {
                case State.AfterEquals:
                    if (HexTable[b] >= 0)
                    {
                        _first = b;
                        _state = State.AfterFirstHex;
                    }
                    else if (b == (byte)'\n')
                    {
                        _state = State.Text;
                    }
                    else if (b == (byte)'\r')
                    {
                        _state = State.SoftBreakCr;
                    }
                    else if (b is (byte)' ' or (byte)'\t')
                    {
                        _blanks = 1;
                        _state = State.SoftBreakBlanks;
                    }
                    else
                    {
                        output[w++] = (byte)'=';
                        output[w++] = b;
                        _state = State.Text;
                    }

                    break;
                case State.AfterFirstHex:
                    if (HexTable[b] >= 0)
                    {
                        output[w++] = (byte)((HexTable[_first] << 4) | (byte)HexTable[b]);
                    }
                    else
                    {
                        output[w++] = (byte)'=';
                        output[w++] = _first;
                        i--;
                    }

                    _state = State.Text;
                    break;
                case State.SoftBreakCr:
                    _state = State.Text;
                    if (b != (byte)'\n')
                    {
                        i--;
                    }

                    break;
                case State.SoftBreakBlanks:
                    if (b is (byte)' ' or (byte)'\t' && _blanks < 32)
                    {
                        _blanks++;
                    }
                    else if (b == (byte)'\r')
                    {
                        _state = State.SoftBreakCr;
                    }
                    else if (b == (byte)'\n')
                    {
                        _state = State.Text;
                    }
                    else
                    {
                        // "=" followed by blanks and text: not a soft break, keep it all.
                        output[w++] = (byte)'=';
                        for (var k = 0; k < _blanks; k++)
                        {
                            output[w++] = (byte)' ';
                        }

                        i--;
                        _state = State.Text;
                    }

                    break;
                default:
                    _state = State.Text;
                    break;
            }
        }

        return w;
    }

    /// <summary>
    /// Copies literal text from <paramref name="i"/> up to the next "=" and returns the index of that
    /// "=" (or the input length). Escapes are dense in non-English text (one every few bytes), so the
    /// scan copies 16 bytes at a time while it looks, instead of a search call and a copy per run.
    /// </summary>
    private static int CopyText(ReadOnlySpan<byte> input, int i, Span<byte> output, ref int w)
    {
        if (Vector128.IsHardwareAccelerated)
        {
            var equals = Vector128.Create((byte)'=');
            while (i + 16 <= input.Length && w + 16 <= output.Length)
            {
                var block = Vector128.Create(input.Slice(i, 16));
                block.CopyTo(output.Slice(w, 16));
                var mask = Vector128.Equals(block, equals).ExtractMostSignificantBits();
                if (mask != 0)
                {
                    var n = BitOperations.TrailingZeroCount(mask);
                    w += n;
                    return i + n;
                }

                i += 16;
                w += 16;
            }
        }

        var eq = input[i..].IndexOf((byte)'=');
        var run = eq < 0 ? input.Length - i : eq;
        input.Slice(i, run).CopyTo(output[w..]);
        w += run;
        return i + run;
    }

    /// <summary>Hex digit values by byte (either case), -1 for any other byte.</summary>
    internal static ReadOnlySpan<sbyte> HexTable =>
    [
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1,
        -1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    ];

    /// <inheritdoc />
    public int Flush(Span<byte> output)
    {
        var w = 0;
        if (_state == State.AfterEquals)
        {
            output[w++] = (byte)'=';
        }
        else if (_state == State.AfterFirstHex)
        {
            output[w++] = (byte)'=';
            output[w++] = _first;
        }

        _state = State.Text;
        return w;
    }
}

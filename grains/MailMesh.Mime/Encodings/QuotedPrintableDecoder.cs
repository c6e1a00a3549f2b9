using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
                i = DecodeText(input, i, output, ref w);
                if (i == input.Length)
                {
                    return w;
                }

                // An "=" the text path leaves to the state machine: too near the end of the chunk, or
                // not followed by two hex digits or a line break.
                i++;
                _state = State.AfterEquals;
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
    /// Copies literal text and decodes complete escapes ("=" and two hex digits) and soft breaks ("="
    /// LF, "=" CRLF) from <paramref name="i"/> on; returns the input length, or the index of an "="
    /// left to the state machine (fewer than two bytes after it, or anything else after it). Text is
    /// copied 32 (or 16) bytes at a time while looking for "=", since escapes are dense in
    /// non-English text.
    /// </summary>
    private static int DecodeText(ReadOnlySpan<byte> input, int i, Span<byte> output, ref int w)
    {
        ref var src = ref MemoryMarshal.GetReference(input);
        ref var dst = ref MemoryMarshal.GetReference(output);
        var length = input.Length;
        var room = output.Length;
        var hex = HexTable;
        while (true)
        {
            if (Vector256.IsHardwareAccelerated)
            {
                var equals = Vector256.Create((byte)'=');
                while (true)
                {
                    if (i + 32 > length || w + 32 > room)
                    {
                        goto Tail;
                    }

                    var block = Vector256.LoadUnsafe(ref src, (nuint)i);
                    block.StoreUnsafe(ref dst, (nuint)w);
                    var mask = Vector256.Equals(block, equals).ExtractMostSignificantBits();
                    if (mask != 0)
                    {
                        var n = BitOperations.TrailingZeroCount(mask);
                        i += n;
                        w += n;
                        goto Escape;
                    }

                    i += 32;
                    w += 32;
                }
            }
            else if (Vector128.IsHardwareAccelerated)
            {
                var equals = Vector128.Create((byte)'=');
                while (true)
                {
                    if (i + 16 > length || w + 16 > room)
                    {
                        goto Tail;
                    }

                    var block = Vector128.LoadUnsafe(ref src, (nuint)i);
                    block.StoreUnsafe(ref dst, (nuint)w);
                    var mask = Vector128.Equals(block, equals).ExtractMostSignificantBits();
                    if (mask != 0)
                    {
                        var n = BitOperations.TrailingZeroCount(mask);
                        i += n;
                        w += n;
                        goto Escape;
                    }

                    i += 16;
                    w += 16;
                }
            }

        Tail:
            var eq = input[i..].IndexOf((byte)'=');
            var run = eq < 0 ? length - i : eq;
            input.Slice(i, run).CopyTo(output[w..]);
            w += run;
            i += run;
            if (eq < 0)
            {
                return i;
            }

        Escape:
            // input[i] is "=".
            if (i + 2 >= length)
            {
                return i;
            }

            var first = Unsafe.Add(ref src, i + 1);
            var second = Unsafe.Add(ref src, i + 2);
            int hi = hex[first];
            int lo = hex[second];
            if ((hi | lo) >= 0)
            {
                Unsafe.Add(ref dst, w) = (byte)((hi << 4) | lo);
                w++;
                i += 3;
            }
            else if (first == (byte)'\n')
            {
                i += 2;
            }
            else if (first == (byte)'\r' && second == (byte)'\n')
            {
                i += 3;
            }
            else
            {
                return i;
            }

            if (i < length && Unsafe.Add(ref src, i) == (byte)'=')
            {
                goto Escape;
            }
        }
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

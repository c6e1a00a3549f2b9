using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MailMesh.Mime.Encodings;

/// <summary>
/// Lenient base64: skips line breaks and any non-alphabet byte, accepts missing or misplaced padding
/// (padding ends a quantum, so concatenated blocks decode), and never fails.
/// </summary>
public sealed class Base64Decoder : IContentDecoder
{
    private static readonly sbyte[] Map = BuildMap();
    private int _quantum;
    private int _count;

    /// <inheritdoc />
    [SkipLocalsInit]
    public int Decode(ReadOnlySpan<byte> input, Span<byte> output)
    {
        // Base64 bodies come in lines of 76 characters. Decoding line by line spends more time on
        // the line breaks than on the data, so lines are gathered without their breaks into a
        // buffer and decoded in one vectorized call; whatever that call rejects (padding, stray
        // bytes) and the bytes of an unfinished quantum go through the lenient scalar path.
        // Only line breaks are left out of the gathered bytes, and every other byte keeps its
        // order, so the result is the scalar decoding of the whole input whatever the gathering.
        Span<byte> gathered = stackalloc byte[Math.Min(GatherSize, input.Length)];
        var written = 0;
        var i = 0;
        var lineLength = int.MaxValue;
        while (i < input.Length)
        {
            if (_count != 0)
            {
                written += DecodeScalar(input.Slice(i, 1), output[written..]);
                i++;
                continue;
            }

            var filled = 0;
            var clean = true;
            while (i < input.Length && filled < gathered.Length)
            {
                if (Vector256.IsHardwareAccelerated && lineLength is >= 32 and < GatherSize)
                {
                    var lines = GatherLines(input, ref i, gathered, ref filled, lineLength);
                    if (lines.Copied > 0)
                    {
                        clean &= lines.Clean;
                        continue;
                    }
                }

                var rest = input.Slice(i, Math.Min(input.Length - i, gathered.Length - filled));
                int lineBreak;
                if (lineLength < rest.Length && rest[lineLength] is (byte)'\r' or (byte)'\n')
                {
                    // Lines are usually as long as the previous one: check there before searching.
                    // A break inside the line would be copied too and skipped by the decoding below.
                    lineBreak = lineLength;
                }
                else
                {
                    lineBreak = rest.IndexOfAny((byte)'\r', (byte)'\n');
                    if (lineBreak > 0)
                    {
                        lineLength = lineBreak;
                    }
                }

                var line = lineBreak < 0 ? rest : rest[..lineBreak];
                clean &= !line.ContainsAnyInRange((byte)0, BelowAlphabet);
                line.CopyTo(gathered[filled..]);
                filled += line.Length;
                if (lineBreak < 0)
                {
                    i += rest.Length;
                    break;
                }

                i += lineBreak + 1;
                if (i < input.Length && input[i] == (byte)'\n')
                {
                    i++;
                }
            }

            written += DecodeGathered(gathered[..filled], output[written..], clean);
        }

        return written;
    }

    /// <summary>
    /// Copies whole lines of <paramref name="lineLength"/> bytes (32 or more) that end in LF or CRLF,
    /// 32 bytes at a time, while they fit; tells whether a byte below the base64 alphabet (a blank or
    /// a line break inside a line) was among them. Stops at the first line of another length.
    /// </summary>
    private static (int Copied, bool Clean) GatherLines(ReadOnlySpan<byte> input, ref int i, Span<byte> gathered, ref int filled, int lineLength)
    {
        ref var src = ref MemoryMarshal.GetReference(input);
        ref var dst = ref MemoryMarshal.GetReference(gathered);
        var lowest = Vector256<byte>.AllBitsSet;
        var copied = 0;
        var last = lineLength - Vector256<byte>.Count;
        while (filled + lineLength <= gathered.Length && i + lineLength + 2 <= input.Length)
        {
            var brk = input[i + lineLength];
            int skip;
            if (brk == (byte)'\n')
            {
                skip = 1;
            }
            else if (brk == (byte)'\r' && input[i + lineLength + 1] == (byte)'\n')
            {
                skip = 2;
            }
            else
            {
                break;
            }

            ref var from = ref Unsafe.Add(ref src, i);
            ref var to = ref Unsafe.Add(ref dst, filled);
            for (var k = 0; k < last; k += Vector256<byte>.Count)
            {
                var block = Vector256.LoadUnsafe(ref from, (nuint)k);
                block.StoreUnsafe(ref to, (nuint)k);
                lowest = Vector256.Min(lowest, block);
            }

            var tail = Vector256.LoadUnsafe(ref from, (nuint)last);
            tail.StoreUnsafe(ref to, (nuint)last);
            lowest = Vector256.Min(lowest, tail);
            filled += lineLength;
            i += lineLength + skip;
            copied++;
        }

        return (copied, !Vector256.LessThanAny(lowest, Vector256.Create((byte)(BelowAlphabet + 1))));
    }

    /// <summary>Every blank and line break is below '+', the lowest byte of the base64 alphabet.</summary>
    private const byte BelowAlphabet = (byte)'+' - 1;

    /// <summary>
    /// Decodes gathered bytes: whole quanta of blank-free stretches in one vectorized call, and the
    /// rest (blanks, stray bytes, "=", realigning after them) byte by byte. Blanks never reach the
    /// vectorized call, which has its own rules for them. <paramref name="clean"/> says the bytes hold
    /// no blank, so they need no search for one.
    /// </summary>
    private int DecodeGathered(ReadOnlySpan<byte> data, Span<byte> output, bool clean)
    {
        var written = 0;
        var p = 0;
        while (p < data.Length)
        {
            if (_count == 0)
            {
                var rest = data[p..];
                var blank = clean ? -1 : rest.IndexOfAny(Blanks);
                var whole = (blank < 0 ? rest.Length : blank) & ~3;
                if (whole > 0)
                {
                    Base64.DecodeFromUtf8(rest[..whole], output[written..], out var consumed, out var produced, isFinalBlock: false);
                    written += produced;
                    p += consumed;
                    if (consumed == whole)
                    {
                        continue;
                    }
                }
            }

            written += DecodeScalar(data.Slice(p, 1), output[written..]);
            p++;
        }

        return written;
    }

    private static readonly SearchValues<byte> Blanks = SearchValues.Create(" \t\r\n\f\v"u8);

    private const int GatherSize = 4096;

    /// <summary>The lenient path: skips non-alphabet bytes, "=" ends the quantum.</summary>
    private int DecodeScalar(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var written = 0;
        foreach (var b in input)
        {
            var v = Map[b];
            if (v >= 0)
            {
                _quantum = (_quantum << 6) | (byte)v;
                if (++_count == 4)
                {
                    output[written++] = (byte)(_quantum >> 16);
                    output[written++] = (byte)(_quantum >> 8);
                    output[written++] = (byte)_quantum;
                    _quantum = 0;
                    _count = 0;
                }
            }
            else if (b == (byte)'=')
            {
                written += Flush(output[written..]);
            }
        }

        return written;
    }

    /// <inheritdoc />
    public int Flush(Span<byte> output)
    {
        var written = 0;
        if (_count == 2)
        {
            output[written++] = (byte)(_quantum >> 4);
        }
        else if (_count == 3)
        {
            output[written++] = (byte)(_quantum >> 10);
            output[written++] = (byte)(_quantum >> 2);
        }

        _quantum = 0;
        _count = 0;
        return written;
    }

    private static sbyte[] BuildMap()
    {
        var map = new sbyte[256];
        Array.Fill(map, (sbyte)-1);
        const string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (var i = 0; i < chars.Length; i++)
        {
            map[chars[i]] = (sbyte)i;
        }

        return map;
    }
}

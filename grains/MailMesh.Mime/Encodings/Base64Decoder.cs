using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
        // With AVX2, once the line length is known, lines of whole quanta holding only alphabet
        // characters are decoded where they lie instead (no copy); any other line is gathered.
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

            // Lines of whole quanta are decoded where they lie, 32 characters at a time.
            if (DecodesInPlace(lineLength))
            {
                var before = i;
                written = DecodeLines(input, ref i, output, written, lineLength);
                if (i != before)
                {
                    continue;
                }
            }

            var filled = 0;
            var clean = true;
            while (i < input.Length && filled < gathered.Length)
            {
                var direct = DecodesInPlace(lineLength);
                if (direct && filled > 0 && filled % 4 == 0)
                {
                    // Back to decoding lines where they lie once what was gathered is whole quanta.
                    break;
                }

                if (Vector256.IsHardwareAccelerated && lineLength is >= 32 and < GatherSize)
                {
                    var lines = GatherLines(input, ref i, gathered, ref filled, lineLength, direct ? 1 : int.MaxValue);
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

                if (lineBreak < 0 && filled > 0 && rest.Length < input.Length - i)
                {
                    // The line does not fit in what is left of the buffer: it starts the next round, so
                    // that rounds begin at line starts (where lines can be decoded in place).
                    break;
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
    private static (int Copied, bool Clean) GatherLines(ReadOnlySpan<byte> input, ref int i, Span<byte> gathered, ref int filled, int lineLength, int maxLines)
    {
        ref var src = ref MemoryMarshal.GetReference(input);
        ref var dst = ref MemoryMarshal.GetReference(gathered);
        var lowest = Vector256<byte>.AllBitsSet;
        var copied = 0;
        var last = lineLength - Vector256<byte>.Count;
        while (copied < maxLines && filled + lineLength <= gathered.Length && i + lineLength + 2 <= input.Length)
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

    /// <summary>True when lines of that length (whole quanta, 32 characters or more) can be decoded where they lie.</summary>
    private static bool DecodesInPlace(int lineLength) => Avx2.IsSupported && lineLength is >= 32 and < GatherSize && lineLength % 4 == 0;

    /// <summary>
    /// Decodes whole lines of <paramref name="lineLength"/> base64 characters (a multiple of 4, 32 or
    /// more) ending in LF or CRLF where they lie, 32 characters (24 bytes) at a time; the last block of
    /// a line overlaps the one before it (same bytes written twice). Stops, with nothing of that line
    /// counted, at a line of another length or one holding any byte outside the alphabet (blanks,
    /// "=", stray bytes): those go through the gathering path. Returns the new output position; the
    /// output past it may have been written (scratch).
    /// </summary>

    private static int DecodeLines(ReadOnlySpan<byte> input, ref int position, Span<byte> output, int written, int lineLength)
    {
        ref var src = ref MemoryMarshal.GetReference(input);
        ref var dst = ref MemoryMarshal.GetReference(output);
        var produced = lineLength / 4 * 3;
        var last = lineLength - 32;
        var lastOut = last / 4 * 3;
        var i = position;
        var end = input.Length - lineLength - 2;
        var room = output.Length - produced - 8;
        while (i <= end && written <= room)
        {
            var brk = Unsafe.Add(ref src, i + lineLength);
            var skip = 1;
            if (brk != (byte)'\n')
            {
                if (brk != (byte)'\r' || Unsafe.Add(ref src, i + lineLength + 1) != (byte)'\n')
                {
                    break;
                }

                skip = 2;
            }

            ref var line = ref Unsafe.Add(ref src, i);
            ref var to = ref Unsafe.Add(ref dst, written);
            var ok = DecodeBlock(ref line, ref to);
            if (last > 32)
            {
                var k = 32;
                var o = 24;
                for (; k < last; k += 32, o += 24)
                {
                    ok &= DecodeBlock(ref Unsafe.Add(ref line, k), ref Unsafe.Add(ref to, o));
                }
            }

            ok &= DecodeBlock(ref Unsafe.Add(ref line, last), ref Unsafe.Add(ref to, lastOut));
            if (!ok)
            {
                break;
            }

            written += produced;
            i += lineLength + skip;
        }

        position = i;
        return written;
    }

    /// <summary>
    /// Decodes 32 base64 characters into 24 bytes (32 bytes are stored; the last 8 are scratch) and
    /// returns true, or false (what it stored is then scratch) when any of them is outside the
    /// alphabet (A-Z, a-z, 0-9, "+", "/"). Characters are classified by their nibbles with two table lookups and mapped to
    /// their 6-bit values by adding an offset picked by the high nibble; multiply-adds then pack the
    /// 6-bit values into bytes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool DecodeBlock(ref byte from, ref byte to)
    {
        var chars = Vector256.LoadUnsafe(ref from).AsSByte();
        var nibbleMask = Vector256.Create((sbyte)0x0F);
        var high = Avx2.And(Avx2.ShiftRightLogical(chars.AsInt32(), 4).AsSByte(), nibbleMask);
        var low = Avx2.And(chars, nibbleMask);
        // Each table holds bit flags; a character is in the alphabet when its two flags share no bit.
        var lowFlags = Avx2.Shuffle(Vector256.Create(
            0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A,
            0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A), low);
        var highFlags = Avx2.Shuffle(Vector256.Create(
            0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
            0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10), high);
        var valid = Avx.TestZ(lowFlags, highFlags);
        // Offsets by high nibble: '+' (0x2B) and '/' (0x2F) share nibble 2, so '/' is moved to index 1.
        var slash = Avx2.CompareEqual(chars, Vector256.Create((sbyte)'/'));
        var offsets = Avx2.Shuffle(Vector256.Create(
            (sbyte)0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0), Avx2.Add(slash, high));
        var values = Avx2.Add(chars, offsets);
        // 4 x 6 bits -> 2 x 12 bits -> 24 bits per 32-bit lane, then the 3 bytes of each lane packed.
        var pairs = Avx2.MultiplyAddAdjacent(values.AsByte(), Vector256.Create(0x01400140).AsSByte());
        var triples = Avx2.MultiplyAddAdjacent(pairs, Vector256.Create(0x00011000).AsInt16());
        var packed = Avx2.Shuffle(triples.AsByte(), Vector256.Create(
            (byte)2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 0x80, 0x80, 0x80, 0x80,
            2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 0x80, 0x80, 0x80, 0x80));
        var bytes = Avx2.PermuteVar8x32(packed.AsInt32(), Vector256.Create(0, 1, 2, 4, 5, 6, 3, 7));
        bytes.AsByte().StoreUnsafe(ref to);
        return valid;
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

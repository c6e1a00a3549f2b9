using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace MailMesh.Mime.Encodings;

/// <summary>
/// UTF-8 to UTF-16 for mail text: mostly ASCII with scattered two-byte letters (é, ü, ß). ASCII is widened
/// 16 bytes at a time; at a non-ASCII byte the 16 characters already stored up to it are kept and the one
/// sequence is decoded (two-byte letters inline, anything else by <see cref="Rune.DecodeFromUtf8"/>, which
/// validates exactly as the runtime's transcoder does), and the vector loop goes on from there.
/// </summary>
internal static class Utf8Text
{
    /// <summary>
    /// Transcodes <paramref name="input"/> into <paramref name="output"/> (at least as long as the input);
    /// returns the number of characters, or -1 when the input is not entirely valid UTF-8 (the same
    /// inputs for which <see cref="System.Text.Unicode.Utf8.ToUtf16(ReadOnlySpan{byte}, Span{char}, out int, out int, bool, bool)"/>
    /// without replacement does not return Done; for the others it writes the same characters).
    /// </summary>
    public static int TryTranscode(ReadOnlySpan<byte> input, Span<char> output)
    {
        if (output.Length < input.Length)
        {
            throw new ArgumentException("the output must be at least as long as the input", nameof(output));
        }

        ref var src = ref MemoryMarshal.GetReference(input);
        ref var dst = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(output));
        var n = input.Length;
        var i = 0;
        var w = 0;
        while (i < n)
        {
            if (Vector128.IsHardwareAccelerated && i <= n - Vector128<byte>.Count)
            {
                // w <= i always (a UTF-16 unit never takes fewer bytes), so 16 characters fit at w.
                var v = Vector128.LoadUnsafe(ref src, (nuint)i);
                var (lower, upper) = Vector128.Widen(v);
                lower.StoreUnsafe(ref dst, (nuint)w);
                upper.StoreUnsafe(ref dst, (nuint)(w + Vector128<ushort>.Count));
                var mask = v.ExtractMostSignificantBits();
                if (mask == 0)
                {
                    i += Vector128<byte>.Count;
                    w += Vector128<byte>.Count;
                    continue;
                }

                var ascii = BitOperations.TrailingZeroCount(mask);
                i += ascii;
                w += ascii;
            }

            var b0 = Unsafe.Add(ref src, i);
            if (b0 < 0x80)
            {
                Unsafe.Add(ref dst, w++) = b0;
                i++;
                continue;
            }

            if (b0 is >= 0xC2 and <= 0xDF && i + 1 < n && (Unsafe.Add(ref src, i + 1) & 0xC0) == 0x80)
            {
                Unsafe.Add(ref dst, w++) = (ushort)(((b0 & 0x1F) << 6) | (Unsafe.Add(ref src, i + 1) & 0x3F));
                i += 2;
                continue;
            }

            if (Rune.DecodeFromUtf8(input[i..], out var rune, out var consumed) != OperationStatus.Done)
            {
                return -1;
            }

            w += rune.EncodeToUtf16(output[w..]);
            i += consumed;
        }

        return w;
    }
}

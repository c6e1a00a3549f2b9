using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace MailMesh.Sieve.Matching;

/// <summary>
/// Substring search for an ASCII key in bytes (a raw body), with i;octet or i;ascii-casemap. Any charset the
/// engine decodes raw bytes with (ASCII, UTF-8, windows-1252) maps each ASCII byte to the same character and every
/// other byte to a non-ASCII one, so an ASCII key is found in the bytes exactly when it is found in the decoded text.
/// </summary>
internal static class AsciiBytes
{
    /// <summary>The key as bytes when every character is ASCII, else null.</summary>
    public static byte[]? ToAscii(string key) => Ascii.IsValid(key) ? Encoding.ASCII.GetBytes(key) : null;

    /// <summary>True when <paramref name="key"/> occurs in <paramref name="text"/>; ignoring ASCII case when <paramref name="ignoreCase"/>.</summary>
    public static bool Contains(ReadOnlySpan<byte> text, ReadOnlySpan<byte> key, bool ignoreCase)
    {
        if (key.IsEmpty)
        {
            return true;
        }

        if (!ignoreCase)
        {
            return text.IndexOf(key) >= 0;
        }

        if (key.Length > text.Length)
        {
            return false;
        }

        var i = 0;
        if (Vector256.IsHardwareAccelerated && key.Length > 1 && text.Length - key.Length + 1 >= Vector256<byte>.Count)
        {
            // Candidates: positions whose first and last bytes equal the key's, ignoring bit 0x20 (a filter
            // that lets through every case variant of a letter and a few non-letters; each is then checked).
            var last = key.Length - 1;
            var first = Vector256.Create((byte)(key[0] | 0x20));
            var end = Vector256.Create((byte)(key[last] | 0x20));
            var fold = Vector256.Create((byte)0x20);
            ref var start = ref MemoryMarshal.GetReference(text);
            var limit = text.Length - key.Length + 1 - Vector256<byte>.Count;
            for (; i <= limit; i += Vector256<byte>.Count)
            {
                var a = Vector256.LoadUnsafe(ref start, (nuint)i) | fold;
                var b = Vector256.LoadUnsafe(ref start, (nuint)(i + last)) | fold;
                var mask = (Vector256.Equals(a, first) & Vector256.Equals(b, end)).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    var at = i + BitOperations.TrailingZeroCount(mask);
                    if (Ascii.EqualsIgnoreCase(text.Slice(at, key.Length), key))
                    {
                        return true;
                    }

                    mask &= mask - 1;
                }
            }
        }

        for (; i + key.Length <= text.Length; i++)
        {
            if ((text[i] | 0x20) == (key[0] | 0x20) && Ascii.EqualsIgnoreCase(text.Slice(i, key.Length), key))
            {
                return true;
            }
        }

        return false;
    }
}

using System.Buffers;
using System.Buffers.Text;

namespace MailMesh.Mime.Encodings;

/// <summary>
/// Lenient base64: skips line breaks and any non-alphabet byte, accepts missing or misplaced padding
/// (padding ends a quantum, so concatenated blocks decode), and never fails.
/// </summary>
public sealed class Base64Decoder : IContentDecoder
{
    private static readonly SearchValues<byte> Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"u8);

    private static readonly sbyte[] Map = BuildMap();
    private int _quantum;
    private int _count;

    /// <inheritdoc />
    public int Decode(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var written = 0;
        var i = 0;
        while (i < input.Length)
        {
            if (_count == 0)
            {
                // Fast path: a run of alphabet bytes decodes vectorized, whole quanta at a time.
                var run = input[i..].IndexOfAnyExcept(Alphabet);
                if (run < 0)
                {
                    run = input.Length - i;
                }

                var whole = run & ~3;
                if (whole > 0)
                {
                    Base64.DecodeFromUtf8(input.Slice(i, whole), output[written..], out var consumed, out var produced, isFinalBlock: false);
                    written += produced;
                    i += consumed;
                    if (consumed == whole)
                    {
                        continue;
                    }
                }
            }

            var b = input[i++];
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

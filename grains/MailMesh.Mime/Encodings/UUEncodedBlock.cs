using System.Buffers;
using System.Text;

namespace MailMesh.Mime.Encodings;

/// <summary>A uuencoded file embedded in a text body ("begin 644 name" ... "end").</summary>
/// <param name="FileName">The name from the begin line.</param>
/// <param name="Mode">The octal mode from the begin line.</param>
/// <param name="Data">The decoded bytes.</param>
/// <param name="Offset">Offset of the begin line within the decoded text.</param>
public sealed record UUEncodedBlock(string FileName, string Mode, byte[] Data, int Offset)
{
    /// <summary>Finds every uuencoded block in a text part (after transfer decoding).</summary>
    public static IReadOnlyList<UUEncodedBlock> Find(MimePart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        var buffer = new ArrayBufferWriter<byte>();
        part.DecodeTo(buffer);
        return Find(buffer.WrittenSpan);
    }

    /// <summary>Finds every uuencoded block in text bytes.</summary>
    public static IReadOnlyList<UUEncodedBlock> Find(ReadOnlySpan<byte> text)
    {
        var blocks = new List<UUEncodedBlock>();
        var pos = 0;
        while (pos < text.Length)
        {
            var idx = pos == 0 && text.StartsWith("begin "u8) ? 0 : text[pos..].IndexOf("\nbegin "u8);
            if (idx < 0)
            {
                break;
            }

            var lineStart = pos == 0 && idx == 0 && text.StartsWith("begin "u8) ? 0 : pos + idx + 1;
            var nl = text[lineStart..].IndexOf((byte)'\n');
            var lineEnd = nl < 0 ? text.Length : lineStart + nl + 1;
            var header = Encoding.ASCII.GetString(text[lineStart..lineEnd]).Trim();
            var parts = header.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3 || !parts[1].All(c => c is >= '0' and <= '7'))
            {
                pos = lineEnd;
                continue;
            }

            var output = new ArrayBufferWriter<byte>();
            var p = lineEnd;
            var closed = false;
            while (p < text.Length)
            {
                var n2 = text[p..].IndexOf((byte)'\n');
                var e = n2 < 0 ? text.Length : p + n2 + 1;
                var line = text[p..e].TrimEnd("\r\n \t"u8);
                p = e;
                if (line.SequenceEqual("end"u8))
                {
                    closed = true;
                    break;
                }

                var span = output.GetSpan(64);
                output.Advance(UUDecoder.DecodeLine(line, span));
            }

            if (closed)
            {
                blocks.Add(new UUEncodedBlock(parts[2], parts[1], output.WrittenSpan.ToArray(), lineStart));
            }

            pos = p;
        }

        return blocks;
    }
}

using System.Buffers;
using System.Text;
using System.Text.Unicode;
using MailMesh.Mime.Encodings;

namespace MailMesh.Mime.Tests;

/// <summary>The mail-text UTF-8 transcoder must accept exactly what the runtime's strict transcoder accepts and write the same characters.</summary>
public sealed class Utf8TextTests
{
    private static readonly byte[][] Pieces =
    [
        "a"u8.ToArray(), "quick brown "u8.ToArray(), "é"u8.ToArray(), "ü"u8.ToArray(), "ß"u8.ToArray(), "€"u8.ToArray(), "中"u8.ToArray(), "😀"u8.ToArray(),
        "\r\n"u8.ToArray(), [0x7F], [0x00], [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF],
        // Invalid: overlong, surrogate, too large, lone continuation, stray leads, truncated sequences.
        [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5], [0xFF], [0x80], [0xBF], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
    ];

    private static void AssertSame(byte[] input)
    {
        var expected = new char[input.Length + 1];
        var status = Utf8.ToUtf16(input, expected, out _, out var written, replaceInvalidSequences: false);
        var actual = new char[input.Length + 1];
        var n = Utf8Text.TryTranscode(input, actual);
        var context = Convert.ToHexString(input);
        if (status == OperationStatus.Done)
        {
            Assert.True(n == written, $"length {n} instead of {written} for {context}");
            Assert.True(expected.AsSpan(0, written).SequenceEqual(actual.AsSpan(0, n)), $"different text for {context}");
        }
        else
        {
            Assert.True(n == -1, $"accepted invalid input {context}");
        }
    }

    [Fact]
    public void TryTranscode_RandomMostlyValidText_SameAsRuntimeTranscoder()
    {
        var random = new Random(8080);
        for (var round = 0; round < 30_000; round++)
        {
            var output = new List<byte>();
            var count = random.Next(0, 40);
            var invalidAllowed = random.Next(3) == 0;
            for (var k = 0; k < count; k++)
            {
                var piece = Pieces[random.Next(invalidAllowed ? Pieces.Length : 16)];
                output.AddRange(piece);
            }

            AssertSame(output.ToArray());
        }
    }

    [Fact]
    public void TryTranscode_SequenceAtEveryOffsetAroundTheVectorWidth_SameAsRuntimeTranscoder()
    {
        foreach (var piece in Pieces)
        {
            for (var before = 0; before < 40; before++)
            {
                foreach (var after in new[] { 0, 1, 2, 3, 15, 16, 17, 31 })
                {
                    var input = Enumerable.Repeat((byte)'x', before).Concat(piece).Concat(Enumerable.Repeat((byte)'y', after)).ToArray();
                    AssertSame(input);
                }
            }
        }
    }

    [Fact]
    public void TryTranscode_EveryTwoByteSequence_SameAsRuntimeTranscoder()
    {
        for (var b0 = 0x80; b0 < 0x100; b0++)
        {
            for (var b1 = 0; b1 < 0x100; b1++)
            {
                AssertSame([(byte)'a', (byte)b0, (byte)b1, (byte)'z']);
            }
        }
    }

    [Fact]
    public void TryTranscode_ShortOutput_Throws()
    {
        Assert.Throws<ArgumentException>(() => Utf8Text.TryTranscode("abc"u8, new char[2]));
    }

    [Fact]
    public void CharsetsDecode_LongMixedText_SameAsEncodingGetString()
    {
        var text = string.Concat(Enumerable.Range(0, 500).Select(i => i % 7 == 0 ? "Grüße café " : "quick brown fox ")) + "😀 end";
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.Equal(text, Charsets.Decode(bytes, "utf-8"));
        Assert.Equal(text, Charsets.Decode(bytes, null));
    }
}

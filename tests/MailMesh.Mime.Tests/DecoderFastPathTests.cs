using System.Text;
using MailMesh.Mime.Encodings;

namespace MailMesh.Mime.Tests;

/// <summary>
/// The base64 and quoted-printable decoders have bulk paths (gathered lines, 16-byte scans) and a
/// byte-at-a-time state machine. Fed one byte per call they only use the state machine, so that
/// result is the reference the bulk paths must match on messy input cut at every kind of place.
/// </summary>
public sealed class DecoderFastPathTests
{
    private static byte[] Decode(IContentDecoder decoder, byte[] input, Func<int> nextChunk)
    {
        var output = new List<byte>(input.Length);
        var buffer = new byte[input.Length + 256];
        var i = 0;
        while (i < input.Length)
        {
            var n = Math.Min(nextChunk(), input.Length - i);
            var w = decoder.Decode(input.AsSpan(i, n), buffer);
            output.AddRange(buffer.AsSpan(0, w).ToArray());
            i += n;
        }

        var f = decoder.Flush(buffer);
        output.AddRange(buffer.AsSpan(0, f).ToArray());
        return [.. output];
    }

    private static byte[] MessyBase64(Random random)
    {
        var data = new byte[random.Next(0, 20_000)];
        random.NextBytes(data);
        var text = Convert.ToBase64String(data);
        var sb = new StringBuilder();
        var lineLength = random.Next(4) switch { 0 => 76, 1 => 64, 2 => 75, _ => 1 + random.Next(200) };
        for (var i = 0; i < text.Length; i += lineLength)
        {
            sb.Append(text, i, Math.Min(lineLength, text.Length - i));
            switch (random.Next(40))
            {
                case 0: sb.Append('\n'); break;
                case 1: sb.Append("\r\n\r\n"); break;
                case 2: sb.Append(" \t\r\n"); break;
                case 3: sb.Append("*!\r\n"); break;
                case 4: sb.Append("==\r\n"); break;
                case 5: sb.Append("\r\n").Append(Convert.ToBase64String(new byte[] { 1, 2 })).Append("\r\n"); break;
                case 6: sb.Append('\r'); break;
                default: sb.Append("\r\n"); break;
            }

            if (random.Next(8) == 0)
            {
                lineLength = 1 + random.Next(120);
            }
        }

        return Encoding.Latin1.GetBytes(sb.ToString());
    }

    private static byte[] MessyQuotedPrintable(Random random)
    {
        string[] pieces = ["caf", "=C3=A9", "=c3=a9", "=\r\n", "=\n", "= \t\r\n", "=  x", "=4", "=G1", "==41", "=\r", "\r\n", "\n", " ", "\t", "plain text ", "=3D", "=", "<p>", "r=C3=A9sum=C3=A9 "];
        var sb = new StringBuilder();
        var count = random.Next(0, 3_000);
        for (var i = 0; i < count; i++)
        {
            sb.Append(pieces[random.Next(pieces.Length)]);
            if (random.Next(10) == 0)
            {
                sb.Append('x', random.Next(40));
            }
        }

        if (random.Next(4) == 0)
        {
            sb.Append(random.Next(3) switch { 0 => "=", 1 => "=A", _ => "= " });
        }

        return Encoding.Latin1.GetBytes(sb.ToString());
    }

    [Fact]
    public void Base64Decoder_MessyInputWholeOrChunked_MatchesByteAtATime()
    {
        var random = new Random(20261122);
        for (var round = 0; round < 150; round++)
        {
            var input = MessyBase64(random);
            var reference = Decode(new Base64Decoder(), input, () => 1);
            Assert.Equal(reference, Decode(new Base64Decoder(), input, () => int.MaxValue));
            Assert.Equal(reference, Decode(new Base64Decoder(), input, () => 1 + random.Next(9_000)));
        }
    }

    /// <summary>
    /// Regular lines (the 32-bytes-at-a-time line copy) of one length, LF or CRLF, with defects put
    /// inside lines, at their ends and across the 4 KB gather and chunk edges.
    /// </summary>
    private static (byte[] Input, byte[]? Clean) RegularBase64(Random random)
    {
        var data = new byte[random.Next(0, 30_000)];
        random.NextBytes(data);
        var text = Encoding.ASCII.GetBytes(Convert.ToBase64String(data));
        var lineLength = random.Next(3) == 0 ? 28 + random.Next(80) : 76;
        var crlf = random.Next(2) == 0;
        var defects = random.Next(3) == 0 ? 0 : random.Next(1, 6);
        byte[] defectBytes = [(byte)' ', (byte)'\t', (byte)'\r', (byte)'\n', (byte)'=', (byte)'*', (byte)'-', 0x80, 0xFF, (byte)'\f', (byte)'!'];
        var output = new List<byte>(text.Length * 2);
        for (var i = 0; i < text.Length; i += lineLength)
        {
            output.AddRange(text.AsSpan(i, Math.Min(lineLength, text.Length - i)).ToArray());
            if (crlf)
            {
                output.Add((byte)'\r');
            }

            output.Add((byte)'\n');
        }

        var clean = defects == 0 ? output.ToArray() : null;
        for (var d = 0; d < defects && output.Count > 0; d++)
        {
            output.Insert(random.Next(output.Count), defectBytes[random.Next(defectBytes.Length)]);
        }

        return (output.ToArray(), clean is null ? null : data);
    }

    [Fact]
    public void Base64Decoder_RegularLinesWithDefectsInside_MatchesByteAtATime()
    {
        var random = new Random(20261123);
        var checkedClean = 0;
        for (var round = 0; round < 400; round++)
        {
            var (input, expected) = RegularBase64(random);
            var reference = Decode(new Base64Decoder(), input, () => 1);
            if (expected is not null)
            {
                Assert.Equal(expected, reference);
                checkedClean++;
            }

            Assert.Equal(reference, Decode(new Base64Decoder(), input, () => int.MaxValue));
            Assert.Equal(reference, Decode(new Base64Decoder(), input, () => 1 + random.Next(9_000)));
            Assert.Equal(reference, Decode(new Base64Decoder(), input, () => 4096 + random.Next(-80, 80)));
        }

        Assert.True(checkedClean > 50, $"only {checkedClean} clean inputs were generated");
    }

    [Fact]
    public void Base64Decoder_EveryByteValueAtEveryBlockPositionOfALine_MatchesByteAtATime()
    {
        // Lines decoded where they lie classify 32 characters at once: every byte value, put at each
        // position of one line among regular ones, must be taken or skipped as the scalar path does.
        var random = new Random(20261126);
        // The first 4 KB of a call are gathered (the line length is learnt there); lines after it are decoded in place.
        var data = new byte[57 * 100];
        random.NextBytes(data);
        var clean = Encoding.ASCII.GetBytes(Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal(data, Decode(new Base64Decoder(), clean, () => int.MaxValue));
        for (var value = 0; value < 256; value++)
        {
            var position = 77 * 80 + (value % 76);
            var input = (byte[])clean.Clone();
            input[position] = (byte)value;
            var reference = Decode(new Base64Decoder(), input, () => 1);
            Assert.Equal(reference, Decode(new Base64Decoder(), input, () => int.MaxValue));
        }
    }

    [Fact]
    public void QuotedPrintableDecoder_MessyInputWholeOrChunked_MatchesByteAtATime()
    {
        var random = new Random(20261123);
        for (var round = 0; round < 300; round++)
        {
            var input = MessyQuotedPrintable(random);
            var reference = Decode(new QuotedPrintableDecoder(), input, () => 1);
            Assert.Equal(reference, Decode(new QuotedPrintableDecoder(), input, () => int.MaxValue));
            Assert.Equal(reference, Decode(new QuotedPrintableDecoder(), input, () => 1 + random.Next(100)));
        }
    }

    [Fact]
    public void QuotedPrintableDecoder_EncodedRandomText_RoundTripsWholeChunkedAndByteAtATime()
    {
        // Escapes and soft breaks at every offset of the 32- and 16-byte blocks and of the chunks.
        var random = new Random(20261125);
        for (var round = 0; round < 200; round++)
        {
            var bytes = RandomUtf8(random, out _);
            var text = Encoding.UTF8.GetString(bytes).Replace("\r\n", random.Next(2) == 0 ? "\n" : "\r\n", StringComparison.Ordinal);
            var encoded = Writing.ContentEncoder.Encode(Encoding.UTF8.GetBytes(text), ContentEncoding.QuotedPrintable);
            if (random.Next(2) == 0)
            {
                // LF-only transport, as in mbox files.
                encoded = Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(encoded).Replace("\r\n", "\n", StringComparison.Ordinal));
            }

            var reference = Decode(new QuotedPrintableDecoder(), encoded, () => 1);
            Assert.Equal(reference, Decode(new QuotedPrintableDecoder(), encoded, () => int.MaxValue));
            Assert.Equal(reference, Decode(new QuotedPrintableDecoder(), encoded, () => 1 + random.Next(200)));
            var expected = Encoding.UTF8.GetString(reference).Replace("\r\n", "\n", StringComparison.Ordinal);
            Assert.Equal(text.Replace("\r\n", "\n", StringComparison.Ordinal), expected);
        }
    }

    [Fact]
    public void QuotedPrintableDecoder_LongEscapedText_DecodesEveryEscape()
    {
        var text = string.Concat(Enumerable.Repeat("na\u00efve r\u00e9sum\u00e9 caf\u00e9 Gr\u00fc\u00dfe = the quick brown fox\r\n", 200));
        var encoded = Writing.ContentEncoder.Encode(Encoding.UTF8.GetBytes(text), ContentEncoding.QuotedPrintable);
        var decoded = Decode(new QuotedPrintableDecoder(), encoded, () => int.MaxValue);
        Assert.Equal(text, Encoding.UTF8.GetString(decoded));
    }

    /// <summary>Random text of ASCII, 2-, 3- and 4-byte characters, sometimes with a broken byte put anywhere.</summary>
    private static byte[] RandomUtf8(Random random, out bool broken)
    {
        string[] pieces = ["a", "plain words ", "\r\n", "\u00e9", "\u00fc\u00df", "\u20ac", "\u4e2d\u6587", "\U0001F600", "\U00010348x", "\u0000", "\u007f"];
        var sb = new StringBuilder();
        var count = random.Next(0, 400);
        for (var i = 0; i < count; i++)
        {
            sb.Append(pieces[random.Next(pieces.Length)]);
        }

        var bytes = new List<byte>(Encoding.UTF8.GetBytes(sb.ToString()));
        broken = bytes.Count > 0 && random.Next(3) == 0;
        if (broken)
        {
            byte[] bad = [0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF];
            bytes.Insert(random.Next(bytes.Count + 1), bad[random.Next(bad.Length)]);
        }

        return [.. bytes];
    }

    [Fact]
    public void CharsetsDecode_RandomUtf8_MatchesStrictDecoder()
    {
        var strict = new UTF8Encoding(false, true);
        var random = new Random(20261124);
        var sawInvalid = 0;
        for (var round = 0; round < 3_000; round++)
        {
            var bytes = RandomUtf8(random, out _);
            string? expected;
            try
            {
                expected = strict.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                expected = null;
                sawInvalid++;
            }

            var decoded = Charsets.Decode(bytes, "utf-8");
            if (expected is not null)
            {
                Assert.Equal(expected, decoded);
            }
            else
            {
                // Declared UTF-8 with a broken byte: UTF-8 with replacement characters, or the fallback charset.
                Assert.Contains(decoded, new[] { Encoding.UTF8.GetString(bytes), Encoding.GetEncoding(1252).GetString(bytes) });
            }
        }

        Assert.True(sawInvalid > 300, $"only {sawInvalid} invalid inputs were generated");
    }

    [Fact]
    public void CharsetsDecode_OnlyContinuationBytes_FallsBackToLatinCharset()
    {
        byte[] bytes = [0x80, 0x81, 0xBF];
        Assert.Equal(Encoding.GetEncoding(1252).GetString(bytes), Charsets.Decode(bytes, null));
    }

    [Fact]
    public void CharsetsDecode_Utf8WithAndWithoutInvalidBytes_DecodesOrFallsBack()
    {
        var valid = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("r\u00e9sum\u00e9 \u20ac ", 100)));
        Assert.Equal(Encoding.UTF8.GetString(valid), Charsets.Decode(valid, "utf-8"));
        Assert.Equal(Encoding.UTF8.GetString(valid), Charsets.Decode(valid, null));
        var latin1 = Encoding.Latin1.GetBytes(string.Concat(Enumerable.Repeat("r\u00e9sum\u00e9 ", 100)));
        Assert.Equal(Encoding.GetEncoding(1252).GetString(latin1), Charsets.Decode(latin1, null));
    }
}

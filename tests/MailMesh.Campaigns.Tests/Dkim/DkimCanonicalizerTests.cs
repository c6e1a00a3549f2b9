using System.Security.Cryptography;
using System.Text;
using MailMesh.Campaigns.Dkim;

namespace MailMesh.Campaigns.Tests.Dkim;

public sealed class DkimCanonicalizerTests
{
    [Theory]
    [InlineData("A: X\r\n", "a:X\r\n")] // RFC 6376 3.4.5
    [InlineData("B : Y\t\r\n\tZ  \r\n", "b:Y Z\r\n")] // RFC 6376 3.4.5
    [InlineData("Subject:   Spring   sale\r\n is\there \r\n", "subject:Spring sale is here\r\n")]
    [InlineData("X-Empty:\r\n", "x-empty:\r\n")]
    [InlineData("X-Broken:a\r\nb\r\n", "x-broken:ab\r\n")]
    [InlineData("NoColon\r\n", "nocolon:\r\n")]
    public void RelaxedHeader_Field_IsCanonical(string raw, string expected)
    {
        var output = new byte[raw.Length + 2];

        var written = DkimCanonicalizer.RelaxedHeader(Encoding.Latin1.GetBytes(raw), output, withCrlf: true);

        Assert.Equal(expected, Encoding.Latin1.GetString(output, 0, written));
    }

    [Fact]
    public void EveryLfAfterCr_RandomBodies_AgreesWithALineByLineCheck()
    {
        var random = new Random(25);
        string[] pieces = ["line", "\r\n", "\n", "\r", "x", new string('a', 61), new string('b', 130)];
        var bare = 0;
        for (var n = 0; n < 5_000; n++)
        {
            var body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, random.Next(0, 40)).Select(_ => pieces[random.Next(pieces.Length)])));
            var expected = true;
            for (var i = 0; i < body.Length; i++)
            {
                expected &= body[i] != (byte)'\n' || (i > 0 && body[i - 1] == (byte)'\r');
            }

            bare += expected ? 0 : 1;
            Assert.Equal(expected, DkimCanonicalizer.EveryLfAfterCr(body));
        }

        Assert.InRange(bare, 500, 4_500);
    }

    [Fact]
    public void SingleSpacedValue_RandomValues_EqualsTheGeneralRelaxedValueWhereItApplies()
    {
        var random = new Random(20);
        string[] pieces = ["a", "Bc", "<x@example.com>", " ", "  ", "\t", "\r\n", "\r\n ", "\r\n\t", "\r", "\n", "=?utf-8?q?x?=", "\u00e9", ","];
        var simple = 0;
        for (var n = 0; n < 20_000; n++)
        {
            var value = Encoding.Latin1.GetBytes(string.Concat(Enumerable.Range(0, random.Next(0, 10)).Select(_ => pieces[random.Next(pieces.Length)])));
            var general = new byte[value.Length + 2];
            var fast = new byte[value.Length + 2];

            var expected = DkimCanonicalizer.RelaxedValue(value, general);
            var written = DkimCanonicalizer.SingleSpacedValue(value, fast);

            if (written >= 0)
            {
                simple++;
                Assert.Equal(general.AsSpan(0, expected).ToArray(), fast.AsSpan(0, written).ToArray());
            }
            else
            {
                // Refused only where a tab, a bare CR or LF, or a run of spaces remains once the CRLFs are gone.
                var unfolded = Encoding.Latin1.GetString(value).Replace("\r\n", string.Empty, StringComparison.Ordinal);
                Assert.True(unfolded.IndexOfAny(['\t', '\r', '\n']) >= 0 || unfolded.Contains("  ", StringComparison.Ordinal), unfolded);
            }
        }

        Assert.InRange(simple, 2_000, 18_000);
    }

    [Theory]
    [InlineData(" C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n")] // RFC 6376 3.4.5
    [InlineData("a\nb\n", "a\r\nb\r\n")]
    [InlineData("no final line end", "no final line end\r\n")]
    [InlineData("x\r\n \t \r\n\r\ny  \r\n \r\n", "x\r\n\r\n\r\ny\r\n")]
    [InlineData("\r\n\r\n", "")]
    [InlineData("", "")]
    [InlineData("caf\u00e9\t\u00e0\r\n", "caf\u00e9 \u00e0\r\n")]
    public void RelaxedBody_Body_IsCanonical(string body, string expected)
    {
        var bytes = Encoding.Latin1.GetBytes(body);
        var output = new byte[bytes.Length + bytes.Count((byte)'\n') + 2];

        var written = DkimCanonicalizer.RelaxedBody(bytes, output);

        Assert.Equal(expected, Encoding.Latin1.GetString(output, 0, written));
    }

    [Fact]
    public void RelaxedBodyHash_LargeBody_HashesTheCanonicalForm()
    {
        var line = "line  with\t\twhitespace   \r\n";
        var body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(line, 20_000)) + "\r\n\r\n");
        var expected = SHA256.HashData(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("line with whitespace\r\n", 20_000))));
        var hash = new byte[32];

        DkimCanonicalizer.RelaxedBodyHash(body, hash);

        Assert.Equal(expected, hash);
    }

    [Fact]
    public void SplitHeaders_FoldedFields_GivesRangesAndTheBodyStart()
    {
        var message = "From: a@example.com\r\nSubject: one\r\n\ttwo\r\nTo : b@example.net\r\n\r\nbody"u8.ToArray();
        var headers = new List<HeaderRange>();

        var bodyStart = DkimCanonicalizer.SplitHeaders(message, headers);

        Assert.Equal(
            ["From: a@example.com\r\n", "Subject: one\r\n\ttwo\r\n", "To : b@example.net\r\n"],
            headers.Select(h => Encoding.ASCII.GetString(message, h.Start, h.Length)));
        Assert.Equal(["From", "Subject", "To"], headers.Select(h => Encoding.ASCII.GetString(message, h.Start, h.NameLength)));
        Assert.Equal("body", Encoding.ASCII.GetString(message, bodyStart, message.Length - bodyStart));
    }
}

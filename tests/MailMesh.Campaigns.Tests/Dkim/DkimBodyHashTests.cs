using System.Security.Cryptography;
using System.Text;
using MailMesh.Campaigns.Dkim;

namespace MailMesh.Campaigns.Tests.Dkim;

/// <summary>The body hash over a body that is already relaxed (hashed in place) against the hash of its copied relaxed
/// form, on random bodies with and without whitespace to fix.</summary>
public sealed class DkimBodyHashTests
{
    [Theory]
    [InlineData("a\r\nb\r\n", 6)]
    [InlineData(" a\r\n\r\nb\r\n\r\n\r\n", 9)]
    [InlineData("\r\n\r\n", 0)]
    [InlineData("", 0)]
    [InlineData("a  b\r\n", -1)]
    [InlineData("a\tb\r\n", -1)]
    [InlineData("a \r\n", -1)]
    [InlineData("a\nb\r\n", -1)]
    [InlineData("a\r\nb", -1)]
    public void RelaxedLength_Body_IsThePrefixThatIsRelaxedOrNone(string body, int expected) =>
        Assert.Equal(expected, DkimCanonicalizer.RelaxedLength(Encoding.Latin1.GetBytes(body)));

    [Fact]
    public void RelaxedBodyHash_RandomBodies_IsTheHashOfTheRelaxedCopy()
    {
        var random = new Random(55);
        var inPlace = 0;
        string[] pieces = ["word", " ", "  ", "\t", "\r\n", "\r\n", "\r\n", "\n", "\r", " \r\n", "\r\n\r\n", "=C3=A9", "\u00e9"];
        string[] relaxedPieces = ["word", " word", "\r\n", "\r\n\r\n", "=C3=A9", "\u00e9", "\r"];
        for (var n = 0; n < 5_000; n++)
        {
            // Every other body from pieces that keep it relaxed, ending with CRLF.
            var from = n % 2 == 0 ? relaxedPieces : pieces;
            var text = string.Concat(Enumerable.Range(0, random.Next(0, 40)).Select(_ => from[random.Next(from.Length)])) + (n % 2 == 0 ? "\r\n" : string.Empty);
            var body = Encoding.Latin1.GetBytes(text);
            var relaxed = new byte[body.Length + body.Count((byte)'\n') + 2];
            var expected = SHA256.HashData(relaxed.AsSpan(0, DkimCanonicalizer.RelaxedBody(body, relaxed)));
            var hash = new byte[32];

            DkimCanonicalizer.RelaxedBodyHash(body, hash);

            Assert.Equal(expected, hash);
            inPlace += DkimCanonicalizer.RelaxedLength(body) >= 0 ? 1 : 0;
        }

        Assert.True(inPlace > 500, $"only {inPlace} bodies were hashed in place");
    }
}

using System.Text;
using MailMesh.Campaigns.Composition;
using MailMesh.Mime.Encodings;
using MailMesh.Mime.Writing;

namespace MailMesh.Campaigns.Tests.Composition;

/// <summary>The campaign MIME writer's transfer encodings and folded header fields, against the MIME library's on random
/// input.</summary>
public sealed class CampaignMimeWriterTests
{
    [Fact]
    public void Choose_RandomText_GivesTheMimeLibrarysChoice()
    {
        var random = new Random(8);
        for (var n = 0; n < 2_000; n++)
        {
            var bytes = RandomBody(random);

            Assert.Equal(
                ContentEncoder.Choose(bytes, isText: true, allow8Bit: false),
                CampaignMimeWriter.Choose(bytes, System.Text.Ascii.IsValid(bytes)));
        }
    }

    [Fact]
    public void Bodies_QuotedPrintable_IsTheMimeLibrarysEncoding()
    {
        var random = new Random(13);
        for (var n = 0; n < 500; n++)
        {
            // Mostly ASCII with some accents: quoted-printable.
            var text = RandomText(random, accents: 0.02);
            var normalized = Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));
            if (ContentEncoder.Choose(normalized, isText: true, allow8Bit: false) != ContentEncoding.QuotedPrintable)
            {
                continue;
            }

            var writer = CampaignMimeWriter.Rent();
            writer.Bodies(text, null);
            var written = writer.Written;
            var body = written[(written.IndexOf("\r\n\r\n"u8) + 4)..].ToArray();

            var expected = ContentEncoder.EncodeQuotedPrintable(normalized);
            var ending = normalized.Length > 0 && normalized[^1] != (byte)'\n' ? "\r\n"u8.ToArray() : [];
            Assert.Equal(Encoding.ASCII.GetString([.. expected, .. ending]), Encoding.ASCII.GetString(body));
            Assert.All(Encoding.ASCII.GetString(body).Split("\r\n"), line => Assert.True(line.Length <= 76, $"a line of {line.Length} characters"));
        }
    }

    [Fact]
    public void Folded_RandomValues_FoldsAsTheMimeLibraryDoes()
    {
        var random = new Random(34);
        string[] pieces = ["word", "<https://t.example.com/u/AQECawU3oAAABWJlbmNoBmxhdW5jaBJyZWFkZXJAZXhhbXBsZS5jb20>,", " ", "  ", "\t", "\r\n ", "\n", "\r", "é", "=?utf-8?q?Zo=C3=A9?=", ",", "\u00a0"];
        for (var n = 0; n < 3_000; n++)
        {
            var value = string.Concat(Enumerable.Range(0, random.Next(0, 30)).Select(_ => pieces[random.Next(pieces.Length)]));

            var writer = CampaignMimeWriter.Rent();
            writer.Folded("List-Unsubscribe", value);

            Assert.Equal(HeaderEncoder.Fold("List-Unsubscribe", value), Encoding.UTF8.GetString(writer.Written));
        }
    }

    private static byte[] RandomBody(Random random)
    {
        var bytes = new byte[random.Next(0, 3_000)];
        var kind = random.Next(4);
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = kind switch
            {
                0 => (byte)random.Next(32, 127),
                1 => random.Next(200) == 0 ? (byte)random.Next(128, 256) : (byte)random.Next(32, 127),
                2 => random.Next(4) == 0 ? (byte)random.Next(128, 256) : (byte)random.Next(32, 127),
                _ => (byte)random.Next(0, 256),
            };

            if (kind != 3 && random.Next(random.Next(1, 1_200)) == 0 && i + 1 < bytes.Length)
            {
                (bytes[i], bytes[i + 1]) = ((byte)'\r', (byte)'\n');
                i++;
            }
        }

        return bytes;
    }

    private static string RandomText(Random random, double accents)
    {
        var text = new StringBuilder();
        var length = random.Next(0, 2_000);
        while (text.Length < length)
        {
            var roll = random.NextDouble();
            text.Append(roll switch
            {
                _ when roll < accents => "é",
                < 0.05 => " ",
                < 0.07 => "\t",
                < 0.09 => "=",
                < 0.11 => random.Next(2) == 0 ? "\n" : "\r\n",
                < 0.12 => " \n",
                < 0.13 => "\t\r\n",
                _ => ((char)random.Next(33, 127)).ToString(),
            });
        }

        return text.ToString();
    }
}

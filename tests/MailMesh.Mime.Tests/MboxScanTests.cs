using System.Text;
using MailMesh.Mime.Mbox;

namespace MailMesh.Mime.Tests;

/// <summary>
/// The mbox reader finds the next From_ line and, in the same pass, the lines starting with "-" that
/// the parser then tries as multipart delimiters instead of searching the bodies again. Each message
/// read that way must parse exactly as the same bytes parsed on their own (the general path).
/// </summary>
public sealed class MboxScanTests
{
    private static readonly string[] Boundaries = ["b1", "=-abc", "outer", "b1x"];

    /// <summary>A random message: nested multiparts with delimiters, look-alikes and "-" lines anywhere.</summary>
    private static string RandomMessage(Random random, string eol)
    {
        var sb = new StringBuilder();
        sb.Append("From: a@example.com").Append(eol).Append("Subject: test").Append(eol);
        if (random.Next(4) == 0)
        {
            sb.Append("Content-Type: text/plain").Append(eol).Append(eol);
            AppendLines(sb, random, eol, Boundaries);
            return sb.ToString();
        }

        sb.Append("Content-Type: multipart/mixed; boundary=\"outer\"").Append(eol).Append(eol);
        AppendLines(sb, random, eol, Boundaries);
        var parts = random.Next(0, 4);
        for (var p = 0; p < parts; p++)
        {
            sb.Append("--outer").Append(random.Next(5) == 0 ? "  " : string.Empty).Append(eol);
            if (random.Next(3) == 0)
            {
                var inner = Boundaries[random.Next(Boundaries.Length)];
                sb.Append("Content-Type: multipart/alternative; boundary=\"").Append(inner).Append('"').Append(eol).Append(eol);
                for (var q = random.Next(0, 3); q > 0; q--)
                {
                    sb.Append("--").Append(inner).Append(eol).Append(eol);
                    AppendLines(sb, random, eol, Boundaries);
                }

                if (random.Next(3) != 0)
                {
                    sb.Append("--").Append(inner).Append("--").Append(eol);
                }
            }
            else
            {
                sb.Append("Content-Type: text/plain").Append(eol).Append(eol);
                AppendLines(sb, random, eol, Boundaries);
            }
        }

        if (random.Next(3) != 0)
        {
            sb.Append("--outer--").Append(eol);
            AppendLines(sb, random, eol, Boundaries);
        }

        return sb.ToString();
    }

    private static void AppendLines(StringBuilder sb, Random random, string eol, string[] boundaries)
    {
        for (var n = random.Next(0, 6); n > 0; n--)
        {
            switch (random.Next(9))
            {
                case 0: sb.Append('-').Append(eol); break;
                case 1: sb.Append("--").Append(boundaries[random.Next(boundaries.Length)]).Append("zz").Append(eol); break;
                case 2: sb.Append(">From quoted line").Append(eol); break;
                case 3: sb.Append("From inside a body? no: this one is a separator only at a line start").Append(eol); break;
                case 4: sb.Append(' ', random.Next(0, 70)).Append("Fro").Append(eol); break;
                case 5: sb.Append(">>From ").Append(eol); break;
                default: sb.Append('x', random.Next(0, 90)).Append(eol); break;
            }
        }
    }

    private static string Describe(MimeMessage message)
    {
        var sb = new StringBuilder();
        foreach (var entity in message.Descendants())
        {
            sb.Append(entity.GetType().Name).Append(' ').Append(entity.ContentType.MimeType).Append(' ')
                .Append(entity.Offset).Append('-').Append(entity.BodyOffset).Append('-').Append(entity.EndOffset);
            if (entity is Multipart multipart)
            {
                sb.Append(" pre ").Append(multipart.RawPreamble.Length).Append(" epi ").Append(multipart.RawEpilogue.Length)
                    .Append(" missing ").Append(multipart.MissingCloseDelimiter);
            }
            else if (entity is MimePart part)
            {
                sb.Append(" content ").Append(Encoding.Latin1.GetString(part.RawContent.Span));
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    [Fact]
    public void ReadMessages_RandomMboxes_ParseAsEachMessageOnItsOwn()
    {
        var random = new Random(20261127);
        var checkedMultiparts = 0;
        for (var round = 0; round < 300; round++)
        {
            var eol = random.Next(2) == 0 ? "\n" : "\r\n";
            var mbox = new StringBuilder();
            var count = random.Next(1, 6);
            for (var m = 0; m < count; m++)
            {
                // Padding shifts every line against the 32-byte blocks of the scan.
                mbox.Append("From sender@example.com Mon Jan  1 00:00:00 2024").Append(' ', random.Next(0, 40)).Append(eol);
                mbox.Append(RandomMessage(random, eol));
            }

            var bytes = Encoding.Latin1.GetBytes(mbox.ToString());
            foreach (var unquote in new[] { false, true })
            {
                foreach (var entry in new MboxReader(bytes, unquoteFrom: unquote).ReadMessages())
                {
                    var slice = bytes.AsMemory((int)entry.Offset, (int)(entry.EndOffset - entry.Offset));
                    var alone = MimeParser.Parse(unquote ? MboxReader.Unquote(slice) : slice);
                    Assert.Equal(Describe(alone), Describe(entry.Message));
                    Assert.Equal(alone.ToBytes(), entry.Message.ToBytes());
                    checkedMultiparts += entry.Message.Body is Multipart ? 1 : 0;
                }
            }
        }

        Assert.True(checkedMultiparts > 500, $"only {checkedMultiparts} multipart messages were compared");
    }

    [Fact]
    public void ReadMessages_SeparatorsAndDashLinesAtEveryBlockOffset_MatchSearchingEachMessage()
    {
        for (var pad = 0; pad < 70; pad++)
        {
            var text = "From a\n" + new string('x', pad) + "\n--b\n-\nbody\n>From q\nFrom b\n--b--\n" + new string('y', pad) + "\nFrom c\nlast";
            var bytes = Encoding.ASCII.GetBytes(text);
            var lines = new LineList();
            var (separator, quoted) = MboxReader.ScanForTests(bytes, 7, lines);
            var expectedSeparator = text.IndexOf("\nFrom b", StringComparison.Ordinal) + 1;
            Assert.Equal(expectedSeparator, separator);
            Assert.True(quoted);
            var expectedDashes = new List<int>();
            for (var i = text.IndexOf("\n-", 7, StringComparison.Ordinal); i >= 0 && i < separator; i = text.IndexOf("\n-", i + 1, StringComparison.Ordinal))
            {
                expectedDashes.Add(i - 7);
            }

            Assert.Equal(expectedDashes, lines.Memory.ToArray());
            var entries = new MboxReader(bytes).ReadMessages().ToList();
            Assert.Equal(3, entries.Count);
            Assert.Equal(["From a", "From b", "From c"], entries.Select(e => e.Marker));
        }
    }
}

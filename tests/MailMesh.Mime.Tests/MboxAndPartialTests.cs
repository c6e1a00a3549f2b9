using System.Text;
using MailMesh.Mime.Mbox;

namespace MailMesh.Mime.Tests;

public sealed class MboxAndPartialTests(ITestOutputHelper output)
{
    [Fact]
    public void ReadMessages_Mboxrd_YieldsOffsetsAndUnquotesFrom()
    {
        var mbox = Encoding.ASCII.GetBytes("From a@x Mon Jan  1 00:00:00 2024\nSubject: one\n\n>From here\n>>From there\n\nFrom b@x Mon Jan  1 00:00:01 2024\nSubject: two\n\nbody two\n");

        var entries = new MboxReader(mbox).ReadMessages().ToList();

        Assert.Equal(2, entries.Count);
        Assert.Equal(0, entries[0].MarkerOffset);
        Assert.Equal(34, entries[0].Offset);
        Assert.Equal("From a@x Mon Jan  1 00:00:00 2024", entries[0].Marker);
        Assert.Equal("From here\r\n>From there\r\n".Replace("\r", string.Empty, StringComparison.Ordinal), ((MimePart)entries[0].Message.Body).GetText());
        Assert.Equal(entries[0].EndOffset + 1, entries[1].MarkerOffset);
        Assert.Equal("two", entries[1].Message.Subject);
        Assert.Equal(mbox.Length, entries[1].EndOffset);
    }

    [Fact]
    public void ReadMessages_NoSeparator_YieldsNothing()
    {
        Assert.Empty(new MboxReader(Encoding.ASCII.GetBytes("Subject: not an mbox\n\nx")).ReadMessages());
    }

    [Fact]
    public void Join_MessagePartialFragments_ReassemblesOriginal()
    {
        var dir = CorpusLocator.MimeDir;
        if (dir is null)
        {
            output.WriteLine(CorpusLocator.SkipReason("message/partial reassembly"));
            return;
        }

        var partial = Path.Combine(dir, "mimekit", "partial");
        var fragments = Directory.GetFiles(partial, "message-partial.*.eml").Order(StringComparer.Ordinal).Select(f => MimeMessage.Parse(File.ReadAllBytes(f))).ToList();
        var expected = MimeMessage.Parse(File.ReadAllBytes(Path.Combine(partial, "message-partial.eml")));

        Assert.All(fragments, f => Assert.IsType<MessagePartial>(f.Body));
        var joined = MessagePartial.Join(fragments.AsEnumerable().Reverse());

        Assert.Equal(expected.Subject, joined.Subject);
        Assert.Equal(expected.Descendants().Count(), joined.Descendants().Count());
        var expectedParts = expected.Descendants().OfType<MimePart>().Select(p => Convert.ToBase64String(p.GetDecodedBytes())).ToList();
        var joinedParts = joined.Descendants().OfType<MimePart>().Select(p => Convert.ToBase64String(p.GetDecodedBytes())).ToList();
        Assert.Equal(expectedParts, joinedParts);
    }

    [Fact]
    public void Join_MissingFragment_SaysWhich()
    {
        var one = TestMessages.Parse("Content-Type: message/partial; id=\"x\"; number=1; total=3\n\nSubject: s\n\npart1");
        var three = TestMessages.Parse("Content-Type: message/partial; id=\"x\"; number=3; total=3\n\npart3");

        var ex = Assert.Throws<ArgumentException>(() => MessagePartial.Join([one, three]));

        Assert.Contains("fragment 2 is missing", ex.Message, StringComparison.Ordinal);
    }
}

using System.Text;
using MailMesh.Protocols.Smtp.Internal;

namespace MailMesh.Protocols.Tests.Smtp;

/// <summary>The reply reader: a one-line reply the server repeats word for word is read as the reply parsed the first
/// time; anything else is parsed as it comes.</summary>
public sealed class SmtpReaderTests
{
    private static SmtpReader Reader(string replies) => new(new MemoryStream(Encoding.ASCII.GetBytes(replies)), 998);

    [Fact]
    public async Task ReadReplyAsync_RepeatedOneLineReply_SameReplyAndResponseAsTheFirstTime()
    {
        var reader = Reader("250 2.1.0 Ok\r\n354 go\r\n250 2.1.0 Ok\r\n354 go\r\n");

        var mail = await reader.ReadReplyAsync(CancellationToken.None);
        var data = await reader.ReadReplyAsync(CancellationToken.None);
        var again = await reader.ReadReplyAsync(CancellationToken.None);
        var dataAgain = await reader.ReadReplyAsync(CancellationToken.None);

        Assert.Same(mail, again);
        Assert.Same(data, dataAgain);
        Assert.Same(mail.Response, again.Response);
        Assert.Equal((250, "2.1.0", "Ok"), (again.Response.Code, again.Response.EnhancedCode, again.Response.Text));
        Assert.Equal((354, "go"), (dataAgain.Code, dataAgain.Text));
    }

    [Fact]
    public async Task ReadReplyAsync_MultiLineReplyStartingLikeARepeatedOne_ParsedWhole()
    {
        var reader = Reader("250 ok\r\n250-ok\r\n250 more\r\n250 ok\r\n");

        var single = await reader.ReadReplyAsync(CancellationToken.None);
        var multi = await reader.ReadReplyAsync(CancellationToken.None);
        var last = await reader.ReadReplyAsync(CancellationToken.None);

        Assert.Equal(["ok", "more"], multi.Lines);
        Assert.NotSame(single, multi);
        Assert.Same(single, last);
    }

    [Fact]
    public async Task ReadReplyAsync_RepliesThatDifferEachTime_EachParsedAndTheRepeatedOnesStillMatched()
    {
        var wire = new StringBuilder();
        for (var i = 0; i < 20; i++)
        {
            wire.Append("250 2.1.0 Ok\r\n").Append("250 2.0.0 queued as ").Append(i).Append("\r\n");
        }

        var reader = Reader(wire.ToString());
        var first = await reader.ReadReplyAsync(CancellationToken.None);
        for (var i = 0; i < 20; i++)
        {
            var mail = i == 0 ? first : await reader.ReadReplyAsync(CancellationToken.None);
            var queued = await reader.ReadReplyAsync(CancellationToken.None);
            Assert.Equal("2.1.0 Ok", mail.Text);
            Assert.Equal($"2.0.0 queued as {i}", queued.Text);
            Assert.Equal($"queued as {i}", queued.Response.Text);
        }
    }
}

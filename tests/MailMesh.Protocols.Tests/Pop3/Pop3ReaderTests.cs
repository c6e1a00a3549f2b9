using System.Text;
using MailMesh.Protocols.Pop3;
using MailMesh.Protocols.Pop3.Internal;
using MailMesh.Protocols.Tests.Support;

namespace MailMesh.Protocols.Tests.Pop3;

public sealed class Pop3ReaderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(65536)]
    public async Task ReadMultilineAsync_DotStuffedLines_UnstuffsAndStopsAtTerminator(int chunk)
    {
        const string Wire = "Subject: x\r\n\r\n..hidden\r\n...three\r\nmid.dle\r\n.\r\n+OK next\r\n";
        var reader = new Pop3Reader(new ChunkedStream(Encoding.ASCII.GetBytes(Wire), chunk), 1024, 4096);
        using var sink = new MemoryStream();

        var length = await reader.ReadMultilineAsync(sink, default);

        Assert.Equal("Subject: x\r\n\r\n.hidden\r\n..three\r\nmid.dle\r\n", Encoding.ASCII.GetString(sink.ToArray()));
        Assert.Equal(sink.Length, length);
        Assert.Equal("+OK next", await reader.ReadLineAsync(default));
    }

    [Fact]
    public async Task ReadMultilineAsync_BodyLargerThanBuffer_StreamsItInChunks()
    {
        var body = string.Concat(Enumerable.Range(0, 5000).Select(i => $"line {i}\r\n"));
        var reader = new Pop3Reader(new ChunkedStream(Encoding.ASCII.GetBytes(body + ".\r\n"), 3000), 1024, 4096);
        using var sink = new MemoryStream();

        await reader.ReadMultilineAsync(sink, default);

        Assert.Equal(body, Encoding.ASCII.GetString(sink.ToArray()));
    }

    [Fact]
    public async Task ReadMultilineAsync_StreamEndsBeforeTerminator_ThrowsEndOfStream()
    {
        var reader = new Pop3Reader(new ChunkedStream(Encoding.ASCII.GetBytes("line\r\n"), 100), 1024, 4096);

        await Assert.ThrowsAsync<EndOfStreamException>(() => reader.ReadMultilineAsync(Stream.Null, default).AsTask());
    }

    [Fact]
    public async Task ReadLineAsync_LineLongerThanLimit_ThrowsMalformed()
    {
        var reader = new Pop3Reader(new ChunkedStream(Encoding.ASCII.GetBytes(new string('x', 9000) + "\r\n"), 1000), 1024, 4096);

        var error = await Assert.ThrowsAsync<Pop3ProtocolException>(() => reader.ReadLineAsync(default).AsTask());

        Assert.Contains("longer than 4096 bytes", error.Message, StringComparison.Ordinal);
    }
}

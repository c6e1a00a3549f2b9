using System.Text;
using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Imap.Internal;
using MailMesh.Protocols.Tests.Support;

namespace MailMesh.Protocols.Tests.Imap;

public sealed class ImapReaderTests
{
    private static ImapReader Reader(string text, int chunk = int.MaxValue, int bufferSize = 1024, int maxToken = 4096) =>
        new(new ChunkedStream(Encoding.UTF8.GetBytes(text), chunk), bufferSize, maxToken);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task ReadTokenAsync_QuotedStringWithEscapes_Unescapes(int chunk)
    {
        var reader = Reader("\"a \\\"quoted\\\" \\\\ path\" ATOM\r\n", chunk);

        var quoted = await reader.ReadTokenAsync(default);
        Assert.Equal(ImapTokenKind.QuotedString, quoted.Kind);
        Assert.Equal("a \"quoted\" \\ path", reader.GetString(quoted));
        var atom = await reader.ReadTokenAsync(default);
        Assert.True(reader.Is(atom, "ATOM"u8));
        Assert.Equal(ImapTokenKind.Eol, (await reader.ReadTokenAsync(default)).Kind);
    }

    [Theory]
    [InlineData("{5}\r\nhello)\r\n")]
    [InlineData("{5+}\r\nhello)\r\n")]
    public async Task ReadTokenAsync_LiteralAndLiteralPlus_GiveLengthThenBytes(string text)
    {
        var reader = Reader(text, chunk: 2);

        var literal = await reader.ReadTokenAsync(default);
        Assert.Equal(ImapTokenKind.Literal, literal.Kind);
        Assert.Equal(5, literal.LiteralLength);
        using var sink = new MemoryStream();
        await reader.ReadLiteralAsync(literal.LiteralLength, sink, default);

        Assert.Equal("hello", Encoding.ASCII.GetString(sink.ToArray()));
        Assert.Equal(ImapTokenKind.CloseParen, (await reader.ReadTokenAsync(default)).Kind);
    }

    [Fact]
    public async Task ReadNStringAsync_NilQuotedAtomAndLiteral_ReadsEach()
    {
        var reader = Reader("NIL \"\" atom {3}\r\nabc\r\n", chunk: 1);

        Assert.Null(await ImapParser.ReadNStringAsync(reader, "test", default));
        Assert.Equal(string.Empty, await ImapParser.ReadNStringAsync(reader, "test", default));
        Assert.Equal("atom", await ImapParser.ReadNStringAsync(reader, "test", default));
        Assert.Equal("abc", await ImapParser.ReadNStringAsync(reader, "test", default));
    }

    [Fact]
    public async Task SkipValueAsync_NestedListsWithLiterals_SkipsWholeValue()
    {
        var reader = Reader("((a (b {3}\r\nx)z) \"q)\" NIL)) NEXT\r\n", chunk: 2);

        await ImapParser.SkipValueAsync(reader, 8, default);

        Assert.True(reader.Is(await reader.ReadTokenAsync(default), "NEXT"u8));
    }

    [Fact]
    public async Task SkipValueAsync_NestingDeeperThanLimit_ThrowsMalformed()
    {
        var reader = Reader("(((((x)))))\r\n");

        var error = await Assert.ThrowsAsync<ImapProtocolException>(() => ImapParser.SkipValueAsync(reader, 3, default).AsTask());

        Assert.Equal(ProtocolFailureKind.MalformedResponse, error.Kind);
        Assert.Contains("nested more than 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAtomListAsync_Flags_InternsSystemFlags()
    {
        var reader = Reader("(\\seen \\Flagged $Label1 \\*)\r\n", chunk: 3);

        var flags = await ImapParser.ReadAtomListAsync(reader, "FLAGS", default);

        Assert.Equal(["\\Seen", "\\Flagged", "$Label1", "\\*"], flags);
        Assert.Same("\\Seen", flags[0]);
    }

    [Fact]
    public async Task ReadTokenAsync_QuoteNotClosedOnItsLine_ThrowsMalformed()
    {
        var reader = Reader("\"unterminated\r\nA1 OK\r\n");

        var error = await Assert.ThrowsAsync<ImapProtocolException>(() => reader.ReadTokenAsync(default).AsTask());

        Assert.Contains("quoted string is not terminated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadTokenAsync_AtomLongerThanLimit_ThrowsMalformedNamingTheLimit()
    {
        var reader = Reader(new string('x', 10_000) + "\r\n", chunk: 512, bufferSize: 1024, maxToken: 4096);

        var error = await Assert.ThrowsAsync<ImapProtocolException>(() => reader.ReadTokenAsync(default).AsTask());

        Assert.Contains("longer than 4096 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadTokenAsync_TokenAcrossBufferBoundary_GrowsAndReads()
    {
        var longAtom = new string('y', 3000);
        var reader = Reader("* " + longAtom + " END\r\n", chunk: 700, bufferSize: 1024, maxToken: 8192);

        await reader.ReadTokenAsync(default);
        var atom = await reader.ReadTokenAsync(default);

        Assert.Equal(longAtom, reader.GetString(atom));
        Assert.True(reader.Is(await reader.ReadTokenAsync(default), "END"u8));
    }

    [Fact]
    public async Task ReadTokenAsync_MalformedLiteralHeader_ThrowsMalformed()
    {
        var reader = Reader("{12x}\r\n");

        var error = await Assert.ThrowsAsync<ImapProtocolException>(() => reader.ReadTokenAsync(default).AsTask());

        Assert.Contains("literal header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadTextAsync_AfterPeekByte_ReturnsRestOfLineWithUnbalancedCharacters()
    {
        var reader = Reader("OK Don't \"panic [really\r\nNEXT\r\n");

        await reader.ReadTokenAsync(default);
        var text = await reader.ReadTextAsync(default);

        Assert.Equal("Don't \"panic [really", text);
        Assert.True(reader.Is(await reader.ReadTokenAsync(default), "NEXT"u8));
    }
}

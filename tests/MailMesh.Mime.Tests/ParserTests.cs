using System.IO.Pipelines;
using System.Text;
using MailMesh.Mime.Encodings;

namespace MailMesh.Mime.Tests;

public sealed class ParserTests
{
    [Fact]
    public void Parse_NestedMultipart_BuildsTreeWithPreambleAndEpilogue()
    {
        var message = TestMessages.Parse(TestMessages.Nested);

        var mixed = Assert.IsType<Multipart>(message.Body);
        Assert.Equal("outer", mixed.Boundary);
        Assert.Equal("This is the preamble.", mixed.Preamble);
        Assert.Equal("This is the epilogue.\r\n", mixed.Epilogue);
        Assert.Equal(2, mixed.Children.Count);
        var alternative = Assert.IsType<Multipart>(mixed.Children[0]);
        Assert.Equal(2, alternative.Children.Count);
        Assert.Equal("Hello plain", ((MimePart)alternative.Children[0]).GetText());
        var pdf = Assert.IsType<MimePart>(mixed.Children[1]);
        Assert.Equal("%PDF-1.4\n", Encoding.ASCII.GetString(pdf.GetDecodedBytes()));
        Assert.Equal("doc.pdf", pdf.FileName);
        Assert.False(mixed.MissingCloseDelimiter);
    }

    [Fact]
    public void Parse_MissingCloseDelimiter_RepairsAndKeepsBytes()
    {
        var bytes = TestMessages.Crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\n\npart one\n--b\n\npart two\n");
        var message = MimeMessage.Parse(bytes);

        var multipart = Assert.IsType<Multipart>(message.Body);
        Assert.True(multipart.MissingCloseDelimiter);
        Assert.Equal(2, multipart.Children.Count);
        Assert.Equal("part two\r\n", ((MimePart)multipart.Children[1]).GetText());
        Assert.Equal(bytes, message.ToBytes());
    }

    [Fact]
    public void Parse_MissingCloseDelimiterInStrictMode_ThrowsWithOffset()
    {
        var bytes = TestMessages.Crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\n\npart\n");

        var ex = Assert.Throws<MimeFormatException>(() => MimeMessage.Parse(bytes, new ParserOptions { Strict = true }));

        Assert.Equal(bytes.Length, ex.Offset);
        Assert.Contains("closing delimiter", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InnerMultipartClosedByOuterBoundary_ClosesBoth()
    {
        var message = TestMessages.Parse("Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/alternative; boundary=i\n\n--i\n\ninner text\n--o\n\nsecond\n--o--\n");

        var outer = Assert.IsType<Multipart>(message.Body);
        Assert.Equal(2, outer.Children.Count);
        var inner = Assert.IsType<Multipart>(outer.Children[0]);
        Assert.True(inner.MissingCloseDelimiter);
        Assert.Equal("inner text", ((MimePart)inner.Children[0]).GetText());
        Assert.Equal("second", ((MimePart)outer.Children[1]).GetText());
    }

    [Fact]
    public void Parse_BoundaryLikeLinesInBody_AreContent()
    {
        var message = TestMessages.Parse("Content-Type: multipart/mixed; boundary=abc\n\n--abc\n\n--abcdef is not it\n-- abc neither\n--abc_x neither\n--abc--\n");

        var multipart = Assert.IsType<Multipart>(message.Body);
        Assert.Single(multipart.Children);
        Assert.Equal("--abcdef is not it\r\n-- abc neither\r\n--abc_x neither", ((MimePart)multipart.Children[0]).GetText());
    }

    [Fact]
    public void Parse_DelimiterFollowedByBlankAndText_IsDelimiter()
    {
        var message = TestMessages.Parse("Content-Type: multipart/mixed; boundary=b\n\n--b ignored text\n\none\n--b-- trailing words\n");

        Assert.Equal("one", ((MimePart)Assert.Single(Assert.IsType<Multipart>(message.Body).Children)).GetText());
    }

    [Fact]
    public void Parse_BoundaryWithTrailingWhitespace_IsRecognized()
    {
        var message = TestMessages.Parse("Content-Type: multipart/mixed; boundary=b\n\n--b  \n\none\n--b--\t\n");

        Assert.Single(Assert.IsType<Multipart>(message.Body).Children);
    }

    [Fact]
    public void Parse_MessageRfc822_ParsesEmbeddedMessage()
    {
        var message = TestMessages.Parse("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nSubject: inner\nContent-Type: multipart/alternative; boundary=c\n\n--c\n\ninner body\n--c--\n--b--\n");

        var part = Assert.IsType<MessagePart>(Assert.IsType<Multipart>(message.Body).Children[0]);
        Assert.Equal("inner", part.Message.Subject);
        Assert.Equal("inner body", ((MimePart)((Multipart)part.Message.Body).Children[0]).GetText());
    }

    [Fact]
    public void Parse_Base64EncodedMessageRfc822_DecodesLazily()
    {
        var inner = Convert.ToBase64String(Encoding.ASCII.GetBytes("Subject: wrapped\r\n\r\nbody\r\n"));
        var message = TestMessages.Parse($"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n{inner}\n");

        var part = Assert.IsType<MessagePart>(message.Body);
        Assert.NotNull(part.EncodedContent);
        Assert.Equal("wrapped", part.Message.Subject);
    }

    [Fact]
    public void Parse_DigestChildren_DefaultToMessageRfc822()
    {
        var message = TestMessages.Parse("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nfirst\n--d--\n");

        var part = Assert.IsType<MessagePart>(Assert.IsType<Multipart>(message.Body).Children[0]);
        Assert.Equal("one", part.Message.Subject);
    }

    [Fact]
    public void Parse_HeadersOnly_StopsAfterTopHeaders()
    {
        var message = MimeMessage.Parse(TestMessages.Crlf(TestMessages.Nested), new ParserOptions { HeadersOnly = true });

        Assert.True(message.IsHeadersOnly);
        Assert.Equal("nested", message.Subject);
        Assert.IsType<MimePart>(message.Body);
        Assert.Equal(TestMessages.Crlf(TestMessages.Nested), message.ToBytes());
    }

    [Fact]
    public void Parse_DuplicateAndFoldedHeaders_KeepsOrderAndRawBytes()
    {
        var text = "Received: from a\n\tby b\nReceived: from c\nSubject: =?utf-8?q?caf=C3=A9?=\n  continued\nX-Empty:\n\nbody";
        var message = TestMessages.Parse(text);

        var received = message.Headers.FindAll("received").ToList();
        Assert.Equal(2, received.Count);
        Assert.Equal("from a\tby b", received[0].Value);
        Assert.Equal("Received: from a\r\n\tby b\r\n", Encoding.ASCII.GetString(received[0].RawField.Span));
        Assert.Equal("café  continued", message.Subject);
        Assert.Equal(string.Empty, message.Headers["X-Empty"]);
        Assert.Equal(["Received", "Received", "Subject", "X-Empty"], message.Headers.Select(h => h.Name));
    }

    [Fact]
    public void Parse_RawUtf8Header_DecodesAsUtf8()
    {
        var message = MimeMessage.Parse(Encoding.UTF8.GetBytes("Subject: Grüße aus Köln\r\nFrom: Jörg <jörg@bücher.de>\r\n\r\nx"));

        Assert.Equal("Grüße aus Köln", message.Subject);
        Assert.Equal("jörg@bücher.de", message.From.Mailboxes.Single().Address);
    }

    [Fact]
    public void Parse_RawLatin1Header_FallsBackToWindows1252()
    {
        var bytes = Encoding.Latin1.GetBytes("Subject: caf\u00e9\r\n\r\nx");

        Assert.Equal("café", MimeMessage.Parse(bytes).Subject);
    }

    [Fact]
    public void Parse_InvalidHeaderLine_StartsBodyWhenLenient()
    {
        var message = TestMessages.Parse("Subject: s\nthis line has no colon\nmore\n");

        Assert.Equal("s", message.Subject);
        Assert.Equal("this line has no colon\r\nmore\r\n", ((MimePart)message.Body).GetText());
    }

    [Fact]
    public void Parse_InvalidHeaderLineInStrictMode_ThrowsWithOffset()
    {
        var ex = Assert.Throws<MimeFormatException>(() => TestMessages.Parse("Subject: s\nbroken line\n\n", new ParserOptions { Strict = true }));

        Assert.Equal(12, ex.Offset);
    }

    [Fact]
    public void Parse_NoHeaders_WholeInputIsBody()
    {
        var message = TestMessages.Parse("just text\nand more\n");

        Assert.Empty(message.Headers);
        Assert.Equal("just text\r\nand more\r\n", ((MimePart)message.Body).GetText());
    }

    [Fact]
    public void Parse_LfOnlyAndMboxMarker_Works()
    {
        var bytes = Encoding.ASCII.GetBytes("From someone Mon Jan 1 00:00:00 2024\nSubject: lf\nContent-Type: multipart/mixed; boundary=x\n\n--x\n\nhi\n--x--\n");
        var message = MimeMessage.Parse(bytes);

        Assert.Equal("lf", message.Subject);
        Assert.False(message.MboxMarker.IsEmpty);
        Assert.Equal("hi", ((MimePart)((Multipart)message.Body).Children[0]).GetText());
        Assert.Equal(bytes, message.ToBytes());
    }

    [Fact]
    public void Parse_DeepNesting_DoesNotOverflowAndHonoursDepthLimit()
    {
        const int Depth = 20_000;
        var sb = new StringBuilder();
        for (var i = 0; i < Depth; i++)
        {
            sb.Append("Content-Type: multipart/mixed; boundary=b").Append(i).Append("\r\n\r\n--b").Append(i).Append("\r\n");
        }

        sb.Append("\r\nleaf\r\n");
        var bytes = Encoding.ASCII.GetBytes(sb.ToString());

        var limited = MimeMessage.Parse(bytes);
        Assert.Equal(ParserOptions.Default.MaxPartDepth, limited.Descendants().Max(e => e.Depth));
        var unlimited = MimeMessage.Parse(bytes, new ParserOptions { MaxPartDepth = int.MaxValue, MaxParts = int.MaxValue });
        Assert.Equal(Depth, unlimited.Descendants().Max(e => e.Depth));
        Assert.Equal(bytes, unlimited.ToBytes());
    }

    [Fact]
    public void Parse_TooManyParts_ThrowsWithOffset()
    {
        var sb = new StringBuilder("Content-Type: multipart/mixed; boundary=b\r\n\r\n");
        for (var i = 0; i < 20; i++)
        {
            sb.Append("--b\r\n\r\npart\r\n");
        }

        var ex = Assert.Throws<MimeFormatException>(() => MimeMessage.Parse(Encoding.ASCII.GetBytes(sb.ToString()), new ParserOptions { MaxParts = 10 }));

        Assert.True(ex.Offset > 0);
        Assert.Contains("MaxParts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HeaderBlockTooLarge_ThrowsWithOffset()
    {
        var bytes = TestMessages.Crlf("Subject: " + new string('x', 5000) + "\n\nbody");

        var ex = Assert.Throws<MimeFormatException>(() => MimeMessage.Parse(bytes, new ParserOptions { MaxHeaderSize = 1000, MaxLineLength = 100_000 }));

        Assert.Equal(0, ex.Offset);
    }

    [Fact]
    public void Parse_OffsetsPointIntoSource()
    {
        var bytes = TestMessages.Crlf(TestMessages.Nested);
        var message = MimeMessage.Parse(bytes);
        var pdf = (MimePart)((Multipart)message.Body).Children[1];

        var headerText = Encoding.ASCII.GetString(bytes, (int)pdf.Offset, (int)(pdf.BodyOffset - pdf.Offset));
        Assert.StartsWith("Content-Type: application/pdf", headerText, StringComparison.Ordinal);
        Assert.Equal("JVBERi0xLjQK", Encoding.ASCII.GetString(bytes, (int)pdf.BodyOffset, (int)(pdf.EndOffset - pdf.BodyOffset)));
    }

    [Fact]
    public async Task LoadAsync_LargeStream_SpillsToMappedFileAndParses()
    {
        var payload = new byte[300_000];
        new Random(7).NextBytes(payload);
        var text = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\n" + Convert.ToBase64String(payload, Base64FormattingOptions.InsertLineBreaks) + "\r\n--b--\r\n";
        await using var stream = new NonSeekableStream(Encoding.ASCII.GetBytes(text));

        using var message = await MimeMessage.LoadAsync(stream, new ParserOptions { SpillThreshold = 64 * 1024 });

        Assert.True(message.Source!.IsSpilled);
        Assert.Equal(payload, ((MimePart)((Multipart)message.Body).Children[0]).GetDecodedBytes());
    }

    [Fact]
    public async Task LoadAsync_PipeReader_Parses()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(TestMessages.Crlf(TestMessages.Nested));
        await pipe.Writer.CompleteAsync();

        using var message = await MimeMessage.LoadAsync(pipe.Reader);

        Assert.Equal("nested", message.Subject);
    }

    [Fact]
    public void OpenDecoded_StreamsQuotedPrintableContent()
    {
        var message = TestMessages.Parse("Content-Transfer-Encoding: quoted-printable\nContent-Type: text/plain; charset=iso-8859-1\n\nCaf=E9 =\nau lait\n");
        var part = (MimePart)message.Body;

        using var decoded = part.OpenDecoded();
        using var reader = new StreamReader(decoded, Encoding.Latin1);
        Assert.Equal("Café au lait\r\n", reader.ReadToEnd());
        Assert.Equal(ContentEncoding.QuotedPrintable, part.ContentTransferEncoding);
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override bool TryGetBuffer(out ArraySegment<byte> buffer)
        {
            buffer = default;
            return false;
        }
    }
}

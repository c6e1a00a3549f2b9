using System.Text;
using MailMesh.Mime.Addresses;
using MailMesh.Mime.Encodings;
using MailMesh.Mime.Writing;

namespace MailMesh.Mime.Tests;

public sealed class WriterTests
{
    private static MessageBuilder FullBuilder()
    {
        var builder = new MessageBuilder
        {
            Subject = "Quarterly report – Grüße",
            TextBody = "Hello,\nthe report is attached.\n",
            HtmlBody = "<p>Hello,<br>the report is <b>attached</b>.</p><img src=\"cid:logo\">",
            Date = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.FromHours(1)),
            MessageId = "fixed@example.com",
        };
        builder.From.Add(new MailboxAddress("Zoë Example", "zoe@example.com"));
        builder.To.Add(new MailboxAddress("Bob", "bob@example.org"));
        builder.LinkedResources.Add(new BuilderAttachment("logo.png", new byte[] { 0x89, 0x50, 0x4E, 0x47, 0, 1, 2 }, "image/png", "logo"));
        builder.Attachments.Add(new BuilderAttachment("résumé €.pdf", Encoding.ASCII.GetBytes("%PDF-1.4\nbinary\u0001"), "application/pdf"));
        return builder;
    }

    [Fact]
    public void Build_TextHtmlResourcesAttachments_ProducesMixedAlternativeRelated()
    {
        var bytes = FullBuilder().Build().ToBytes();
        var parsed = MimeMessage.Parse(bytes);

        var mixed = Assert.IsType<Multipart>(parsed.Body);
        Assert.Equal("mixed", mixed.ContentType.MediaSubtype);
        var alternative = Assert.IsType<Multipart>(mixed.Children[0]);
        Assert.Equal("alternative", alternative.ContentType.MediaSubtype);
        var related = Assert.IsType<Multipart>(alternative.Children[1]);
        Assert.Equal("related", related.ContentType.MediaSubtype);
        Assert.Equal("Hello,\r\nthe report is attached.\r\n", parsed.TextBody);
        Assert.Contains("<b>attached</b>", parsed.HtmlBody, StringComparison.Ordinal);
        Assert.Equal("Quarterly report – Grüße", parsed.Subject);
        Assert.Equal("Zoë Example", parsed.From.Mailboxes.Single().Name);
        var attachments = parsed.Attachments;
        Assert.Equal(2, attachments.Count);
        var pdf = attachments.Single(a => a.ContentType == "application/pdf");
        Assert.Equal("résumé €.pdf", pdf.FileName);
        Assert.False(pdf.IsInline);
        Assert.Equal("%PDF-1.4\nbinary\u0001", Encoding.ASCII.GetString(((MimePart)pdf.Entity).GetDecodedBytes()));
        var logo = attachments.Single(a => a.ContentId == "logo");
        Assert.True(logo.IsInline);
    }

    [Fact]
    public void Build_Output_IsSmtpSafe()
    {
        var bytes = FullBuilder().Build().ToBytes();

        for (var i = 0; i < bytes.Length; i++)
        {
            Assert.True(bytes[i] < 0x80, $"8-bit byte at {i}");
            if (bytes[i] == (byte)'\n')
            {
                Assert.True(i > 0 && bytes[i - 1] == (byte)'\r', $"bare LF at {i}");
            }

            if (bytes[i] == (byte)'\r')
            {
                Assert.True(i + 1 < bytes.Length && bytes[i + 1] == (byte)'\n', $"bare CR at {i}");
            }
        }

        Assert.All(Encoding.ASCII.GetString(bytes).Split("\r\n"), line => Assert.True(line.Length <= 78, $"line too long: {line}"));
    }

    [Fact]
    public void Build_AsciiSubject_IsNotEncoded()
    {
        var builder = new MessageBuilder { Subject = "plain ascii subject", TextBody = "x" };
        var text = Encoding.ASCII.GetString(builder.Build().ToBytes());

        Assert.Contains("Subject: plain ascii subject\r\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("=?", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_OnlyNonAsciiWordsAreEncoded()
    {
        var builder = new MessageBuilder { Subject = "Invoice for Müller GmbH", TextBody = "x" };
        var text = Encoding.ASCII.GetString(builder.Build().ToBytes());

        Assert.Contains("Subject: Invoice for =?utf-8?", text, StringComparison.Ordinal);
        Assert.Contains("?= GmbH", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_LongSubject_IsFoldedAndRoundTrips()
    {
        var subject = string.Join(' ', Enumerable.Range(0, 40).Select(i => "wörd" + i));
        var bytes = new MessageBuilder { Subject = subject, TextBody = "x" }.Build().ToBytes();

        Assert.All(Encoding.ASCII.GetString(bytes).Split("\r\n"), line => Assert.True(line.Length <= 78, line));
        Assert.Equal(subject, MimeMessage.Parse(bytes).Subject);
    }

    [Fact]
    public void Build_ChoosesEncodingPerPart()
    {
        var mostlyAscii = MimeMessage.Parse(new MessageBuilder { TextBody = "Hello café, long ascii text here" }.Build().ToBytes());
        var mostlyCyrillic = MimeMessage.Parse(new MessageBuilder { TextBody = "Привет, как дела? Всё хорошо." }.Build().ToBytes());
        var ascii = MimeMessage.Parse(new MessageBuilder { TextBody = "plain" }.Build().ToBytes());
        var eightBit = MimeMessage.Parse(new MessageBuilder { TextBody = "Привет", Allow8Bit = true }.Build().ToBytes());

        Assert.Equal(ContentEncoding.QuotedPrintable, ((MimePart)mostlyAscii.Body).ContentTransferEncoding);
        Assert.Equal(ContentEncoding.Base64, ((MimePart)mostlyCyrillic.Body).ContentTransferEncoding);
        Assert.Equal(ContentEncoding.SevenBit, ((MimePart)ascii.Body).ContentTransferEncoding);
        Assert.Equal(ContentEncoding.EightBit, ((MimePart)eightBit.Body).ContentTransferEncoding);
        Assert.Equal("Привет, как дела? Всё хорошо.", mostlyCyrillic.TextBody);
        Assert.Equal("Привет", eightBit.TextBody);
    }

    [Fact]
    public void Build_International_WritesRawUtf8Headers()
    {
        var builder = new MessageBuilder { Subject = "Grüße", TextBody = "x", International = true };
        builder.To.Add(new MailboxAddress("Jörg", "jörg@bücher.example"));
        var text = Encoding.UTF8.GetString(builder.Build().ToBytes());

        Assert.Contains("Subject: Grüße\r\n", text, StringComparison.Ordinal);
        Assert.Contains("To: Jörg <jörg@bücher.example>\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NotInternational_PunycodesDomain()
    {
        var builder = new MessageBuilder { TextBody = "x" };
        builder.To.Add(new MailboxAddress("", "user@bücher.example"));

        Assert.Contains("To: user@xn--bcher-kva.example", Encoding.ASCII.GetString(builder.Build().ToBytes()), StringComparison.Ordinal);
    }

    [Fact]
    public void WriteTo_ModifiedHeader_RewritesOnlyHeaderBlock()
    {
        var original = TestMessages.Crlf(TestMessages.Nested);
        var message = MimeMessage.Parse(original);
        message.Headers.Set("Subject", "changed");

        var text = Encoding.ASCII.GetString(message.ToBytes());

        Assert.Contains("Subject: changed\r\n", text, StringComparison.Ordinal);
        var bodyStart = (int)message.Body.BodyOffset;
        Assert.EndsWith(Encoding.ASCII.GetString(original, bodyStart, original.Length - bodyStart), text, StringComparison.Ordinal);
        Assert.Equal("changed", MimeMessage.Parse(Encoding.ASCII.GetBytes(text)).Subject);
    }

    [Fact]
    public void WriteTo_AddedChild_GeneratesDelimiter()
    {
        var message = TestMessages.Parse(TestMessages.Nested);
        var mixed = (Multipart)message.Body;
        mixed.Children.Add(((Multipart)TestMessages.Parse(TestMessages.Nested).Body).Children[1]);

        var reparsed = MimeMessage.Parse(message.ToBytes());

        Assert.Equal(3, ((Multipart)reparsed.Body).Children.Count);
    }

    [Fact]
    public void WriteTo_EnsureCrlf_FixesBareLineEnds()
    {
        var message = MimeMessage.Parse(Encoding.ASCII.GetBytes("Subject: x\n\nline1\nline2\rline3\r\n"));

        var bytes = message.ToBytes(new FormatOptions { EnsureCrlf = true });

        Assert.Equal("Subject: x\r\n\r\nline1\r\nline2\r\nline3\r\n", Encoding.ASCII.GetString(bytes));
    }

    [Fact]
    public void ContentEncoder_QuotedPrintable_RoundTrips()
    {
        var text = "Tab\tand trailing space \nCafé = costs €5\n" + new string('x', 200) + "\n";
        var encoded = ContentEncoder.EncodeQuotedPrintable(Encoding.UTF8.GetBytes(text));

        Assert.All(Encoding.ASCII.GetString(encoded).Split("\r\n"), l => Assert.True(l.Length <= 76, l));
        var decoder = new QuotedPrintableDecoder();
        var output = new byte[encoded.Length + 256];
        var n = decoder.Decode(encoded, output);
        Assert.Equal(text.Replace("\n", "\r\n", StringComparison.Ordinal), Encoding.UTF8.GetString(output, 0, n));
    }

    [Fact]
    public async Task WriteToAsync_WritesSameBytes()
    {
        var message = TestMessages.Parse(TestMessages.Nested);
        using var ms = new MemoryStream();

        await message.WriteToAsync(ms);

        Assert.Equal(TestMessages.Crlf(TestMessages.Nested), ms.ToArray());
    }

    [Fact]
    public void WriteTo_Without8BitMime_ReencodesEightBitParts()
    {
        var bytes = Encoding.UTF8.GetBytes("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n\u00ff\u00fe\r\n--b--\r\n");
        var message = MimeMessage.Parse(bytes);

        var downgraded = message.ToBytes(new FormatOptions { Allow8Bit = false });

        Assert.True(Ascii.IsValid(downgraded));
        var reparsed = MimeMessage.Parse(downgraded);
        var parts = ((Multipart)reparsed.Body).Children.Cast<MimePart>().ToList();
        Assert.Equal(ContentEncoding.QuotedPrintable, parts[0].ContentTransferEncoding);
        Assert.Equal("Grüße", parts[0].GetText());
        Assert.Equal(ContentEncoding.Base64, parts[1].ContentTransferEncoding);
        Assert.Equal(Encoding.UTF8.GetBytes("\u00ff\u00fe"), parts[1].GetDecodedBytes());
        Assert.Equal(bytes, message.ToBytes());
    }

    [Fact]
    public void SetContent_ParsedPart_IsEncodedAndWritten()
    {
        var message = TestMessages.Parse(TestMessages.Nested);
        var pdf = (MimePart)((Multipart)message.Body).Children[1];

        pdf.SetContent(new byte[] { 1, 2, 3, 4 });

        var reparsed = MimeMessage.Parse(message.ToBytes());
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, ((MimePart)((Multipart)reparsed.Body).Children[1]).GetDecodedBytes());
        Assert.Equal("Hello plain", reparsed.TextBody);
    }
}

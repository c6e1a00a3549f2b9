using MailMesh.Mime.Text;

namespace MailMesh.Mime.Tests;

public sealed class ConvenienceTests
{
    [Fact]
    public void TextBodyAndHtmlBody_AlternativeInMixed_PickTheRightParts()
    {
        var message = TestMessages.Parse(TestMessages.Nested);

        Assert.Equal("Hello plain", message.TextBody);
        Assert.Equal("<p>Hello <b>html</b></p>", message.HtmlBody);
        var attachment = Assert.Single(message.Attachments);
        Assert.Equal("doc.pdf", attachment.FileName);
        Assert.Equal("application/pdf", attachment.ContentType);
        Assert.False(attachment.IsInline);
    }

    [Fact]
    public void HtmlBody_RelatedWithStart_UsesRootPart()
    {
        var message = TestMessages.Parse("Content-Type: multipart/related; boundary=r; start=\"<root@x>\"\n\n--r\nContent-Type: image/png\nContent-ID: <img@x>\n\nPNG\n--r\nContent-Type: text/html\nContent-ID: <root@x>\n\n<p>root</p>\n--r--\n");

        Assert.Equal("<p>root</p>", message.HtmlBody);
        Assert.Equal("img@x", Assert.Single(message.Attachments).ContentId);
    }

    [Fact]
    public void HtmlToText_Convert_RendersBlocksListsAndLinks()
    {
        var text = HtmlToText.Convert("<html><head><style>p{}</style><script>x()</script></head><body><h1>Title</h1><p>Hello&nbsp;<b>world</b>,   see <a href=\"https://example.com/x\">this</a>.</p><ul><li>one</li><li>two</li></ul><br><table><tr><td>a</td><td>b</td></tr></table></body></html>");

        Assert.Equal("Title\nHello world, see this (https://example.com/x).\n- one\n- two\na\tb", text);
    }

    [Fact]
    public void GetSearchText_HtmlOnly_IncludesSubjectAddressesRenderedTextAndFileNames()
    {
        var message = TestMessages.Parse("Subject: Quarterly\nFrom: Ann <ann@x.com>\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>numbers <i>inside</i></p>\n--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=q3.xlsx\n\nxx\n--b--\n");

        var text = message.GetSearchText();

        Assert.Contains("Quarterly", text, StringComparison.Ordinal);
        Assert.Contains("Ann ann@x.com", text, StringComparison.Ordinal);
        Assert.Contains("numbers inside", text, StringComparison.Ordinal);
        Assert.Contains("q3.xlsx", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<p>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Attachments_AttachedMessage_IsListed()
    {
        var message = TestMessages.Parse("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nsee attached\n--b\nContent-Type: message/rfc822\n\nSubject: forwarded\n\nold\n--b--\n");

        var attachment = Assert.Single(message.Attachments);
        Assert.IsType<MessagePart>(attachment.Entity);
        Assert.Equal("forwarded", attachment.FileName);
        Assert.Equal("see attached", message.TextBody);
    }

    [Fact]
    public void Parse_ByteOrderMark_IsNotPartOfFirstHeader()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(TestMessages.Crlf("From: a@b\nSubject: bom\n\nx")).ToArray();

        var message = MimeMessage.Parse(bytes);

        Assert.Equal("bom", message.Subject);
        Assert.Equal("a@b", message.From.Mailboxes.Single().Address);
        Assert.Equal(bytes, message.ToBytes());
    }
}

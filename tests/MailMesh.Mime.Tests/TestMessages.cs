using System.Text;

namespace MailMesh.Mime.Tests;

internal static class TestMessages
{
    /// <summary>Text with LF line ends turned into CRLF bytes.</summary>
    public static byte[] Crlf(string text) => Encoding.UTF8.GetBytes(text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal));

    public static MimeMessage Parse(string text, ParserOptions? options = null) => MimeMessage.Parse(Crlf(text), options);

    public const string Nested = """
        From: Alice <alice@example.com>
        To: bob@example.com
        Subject: nested
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="outer"

        This is the preamble.
        --outer
        Content-Type: multipart/alternative; boundary=inner

        --inner
        Content-Type: text/plain; charset=utf-8

        Hello plain
        --inner
        Content-Type: text/html; charset=utf-8

        <p>Hello <b>html</b></p>
        --inner--
        --outer
        Content-Type: application/pdf; name="doc.pdf"
        Content-Disposition: attachment; filename="doc.pdf"
        Content-Transfer-Encoding: base64

        JVBERi0xLjQK
        --outer--
        This is the epilogue.

        """;
}

using System.Text;
using MailMesh.Rules.Messages;

namespace MailMesh.Rules.Tests;

public sealed class MimeSieveMessageTests
{
    private const string Message = "From: a@example.org\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n folded\r\nX-MailMesh-Spam-Score: 0.0\r\n" +
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\npreamble\r\n--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n" +
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nK=E4se\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--b--\r\n";

    [Fact]
    public void Headers_Parsed_UnfoldedNotDecodedAndHiddenOnesDropped()
    {
        var message = MimeSieveMessage.Parse(Encoding.ASCII.GetBytes(Message), hiddenHeaders: new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "X-MailMesh-Spam-Score" });

        var subject = message.Headers.Single(h => h.Name == "Subject");
        Assert.Equal("=?utf-8?q?Gr=C3=BC=C3=9Fe?= folded", subject.Value);
        Assert.DoesNotContain(message.Headers, h => h.Name.StartsWith("X-MailMesh", StringComparison.Ordinal));
        Assert.Equal(Encoding.ASCII.GetByteCount(Message), message.Size);
    }

    [Fact]
    public void Root_Multipart_ChildrenDecodedByCharsetAndEmbeddedMessageExposed()
    {
        var message = MimeSieveMessage.Parse(Encoding.ASCII.GetBytes(Message));

        Assert.Equal("multipart/mixed", message.Root.ContentType);
        Assert.Contains("--b", message.Root.RawContent, StringComparison.Ordinal);
        var text = message.Root.Children[0];
        Assert.Equal("K=E4se", text.RawContent); // the CRLF before a boundary belongs to the boundary
        Assert.Equal("Käse", text.DecodedText!.TrimEnd());
        var embedded = message.Root.Children[1];
        Assert.Equal("message/rfc822", embedded.ContentType);
        Assert.Equal("inner", Assert.Single(embedded.Children).Headers.Single(h => h.Name == "Subject").Value);
        Assert.Null(embedded.DecodedText);
    }

    [Fact]
    public void HasHeader_ExtraHiddenRepeatedAndMissing_AgreesWithGetHeaderValues()
    {
        const string raw = "From: a@example.org\r\nX-MailMesh-Spam-Score: 9\r\nReceived: x\r\nreceived: y\r\n\r\nbody\r\n";
        var hidden = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "X-MailMesh-Spam-Score" };
        var message = MimeSieveMessage.Parse(Encoding.ASCII.GetBytes(raw), [new Sieve.Messages.SieveHeader("X-Extra", "1")], hidden);
        string[] names = ["from", "FROM", "received", "x-mailmesh-spam-score", "x-extra", "not a field line", "subject", string.Empty];
        var before = names.Select(n => (n, message.HasHeader(n))).ToList();
        Assert.Equal(names.Select(n => (n, ((Sieve.Messages.ISieveMessage)message).GetHeaderValues(n).Count > 0)), before);
        Assert.Equal([true, true, true, false, true, false, false, false], before.Select(b => b.Item2));

        // Once the field list is built (editheader reads it), the answers stay the same.
        _ = message.Headers;
        Assert.Equal(before, names.Select(n => (n, message.HasHeader(n))));
    }
}

using System.Text;
using MailMesh.Mime.Headers;

namespace MailMesh.Mime.Tests;

public sealed class HeaderListTests
{
    private const string Source =
        "From: a@example.com\r\n" +
        "X-Dup: one\r\n" +
        "Subject: =?utf-8?q?caf=C3=A9?=\r\n" +
        "X-Dup: two\r\n" +
        " folded\r\n" +
        "Content-Transfer-Encoding: Quoted-Printable\r\n" +
        "\r\n" +
        "body=3D\r\n";

    private static MimeMessage Parse() => MimeMessage.Parse(Encoding.ASCII.GetBytes(Source));

    [Fact]
    public void Find_SameFieldTwice_ReturnsSameHeaderObject()
    {
        var headers = Parse().Headers;

        var first = headers.Find("subject");

        Assert.NotNull(first);
        Assert.Same(first, headers.Find("Subject"));
        Assert.Same(first, headers[2]);
        Assert.Equal("café", first.Value);
    }

    [Fact]
    public void FindAllAndFindLast_ParsedList_ReturnFieldsInOrder()
    {
        var headers = Parse().Headers;

        var all = headers.FindAll("x-dup").ToList();

        Assert.Equal(["one", "two folded"], all.Select(h => h.Value));
        Assert.Same(all[1], headers.FindLast("X-Dup"));
        Assert.Null(headers.Find("X-Missing"));
        Assert.Null(headers.FindLast("X-Missing"));
        Assert.True(headers.Contains("FROM"));
        Assert.Equal(5, headers.Count);
    }

    [Fact]
    public void Enumerate_ParsedList_YieldsEveryFieldWithRawBytes()
    {
        var headers = Parse().Headers;

        var fields = headers.ToList();

        Assert.Equal(["From", "X-Dup", "Subject", "X-Dup", "Content-Transfer-Encoding"], fields.Select(h => h.Name));
        Assert.Equal("X-Dup: two\r\n folded\r\n", Encoding.ASCII.GetString(fields[3].RawField.Span));
        Assert.Equal(Source.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4, headers.RawBlock.Length);
    }

    [Fact]
    public void Remove_HeaderObtainedBeforeAnyChange_RemovesThatField()
    {
        var message = Parse();
        var headers = message.Headers;
        var second = headers.FindLast("X-Dup")!;

        Assert.True(headers.Remove(second));

        Assert.False(headers.Remove(second));
        Assert.Equal(["one"], headers.FindAll("X-Dup").Select(h => h.Value));
        Assert.True(headers.IsModified);
        Assert.Equal(4, headers.Count);
        Assert.DoesNotContain("folded", Encoding.ASCII.GetString(message.ToBytes()), StringComparison.Ordinal);
    }

    [Fact]
    public void RemoveAll_NoSuchField_LeavesListUnmodified()
    {
        var headers = Parse().Headers;

        Assert.Equal(0, headers.RemoveAll("X-Missing"));

        Assert.False(headers.IsModified);
        Assert.Equal(2, headers.RemoveAll("x-dup"));
        Assert.True(headers.IsModified);
        Assert.Equal(3, headers.Count);
    }

    [Fact]
    public void Enumerate_ListChangedDuringEnumeration_Throws()
    {
        var headers = Parse().Headers;

        var ex = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var h in headers)
            {
                headers.Add("X-New", "value");
            }
        });

        Assert.Contains("modified", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetAndInsert_ParsedList_KeepPositionsAndExistingObjects()
    {
        var headers = Parse().Headers;
        var from = headers.Find("From")!;

        headers.Set("X-Dup", "three");
        headers.Insert(0, new Header("Received", "by example"));

        Assert.Equal(["Received", "From", "X-Dup", "Subject", "Content-Transfer-Encoding"], headers.Select(h => h.Name));
        Assert.Same(from, headers[1]);
        Assert.Equal("three", headers["x-dup"]);
    }

    [Fact]
    public void Parse_TransferEncodingHeader_IsReadWithoutChangingTheList()
    {
        var message = Parse();

        var part = Assert.IsType<MimePart>(message.Body);

        Assert.Equal(Encodings.ContentEncoding.QuotedPrintable, part.ContentTransferEncoding);
        Assert.Equal("body=\r\n", Encoding.ASCII.GetString(part.GetDecodedBytes()));
        Assert.False(message.Headers.IsModified);
    }

    [Fact]
    public void ContentTypeParse_QuotedParametersWithAndWithoutEscapes_AreUnquoted()
    {
        var type = ContentType.Parse("Multipart/MIXED; boundary=\"=_a b;c\"; name=\"x\\\"y\\\\z\"; charset=\"unterminated");

        Assert.NotNull(type);
        Assert.Equal("multipart", type.MediaType);
        Assert.Equal("mixed", type.MediaSubtype);
        Assert.Equal("=_a b;c", type.Boundary);
        Assert.Equal("x\"y\\z", type.Name);
        Assert.Equal("unterminated", type.Charset);
    }

    [Fact]
    public void ContentTypeParse_UncommonMixedCaseType_IsLowerCased()
    {
        var type = ContentType.Parse("Application/Vnd.Example+JSON");

        Assert.NotNull(type);
        Assert.Equal("application", type.MediaType);
        Assert.Equal("vnd.example+json", type.MediaSubtype);
        Assert.Equal("text/plain", ContentType.Parse("TEXT")!.MimeType);
        Assert.Null(ContentType.Parse("/plain"));
    }
}

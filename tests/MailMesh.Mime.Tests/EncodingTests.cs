using System.Text;
using MailMesh.Mime.Encodings;
using MailMesh.Mime.Headers;

namespace MailMesh.Mime.Tests;

public sealed class EncodingTests
{
    private static byte[] Decode(IContentDecoder decoder, string input, int chunk = int.MaxValue)
    {
        var bytes = Encoding.ASCII.GetBytes(input);
        var output = new List<byte>();
        var buffer = new byte[bytes.Length + 256];
        for (var i = 0; i < bytes.Length; i += chunk)
        {
            var n = decoder.Decode(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)), buffer);
            output.AddRange(buffer.AsSpan(0, n).ToArray());
        }

        var f = decoder.Flush(buffer);
        output.AddRange(buffer.AsSpan(0, f).ToArray());
        return [.. output];
    }

    [Theory]
    [InlineData("SGVsbG8gd29ybGQ=", "Hello world")]
    [InlineData("SGVsbG8gd29ybGQ", "Hello world")]
    [InlineData("SGVs\r\nbG8g\r\nd29y bGQ=\r\n", "Hello world")]
    [InlineData("SGVsbG8=IHdvcmxk", "Hello world")]
    [InlineData("SGV*sbG8!gd29ybGQ==", "Hello world")]
    [InlineData("", "")]
    public void Base64Decoder_LenientInput_DecodesBestEffort(string input, string expected)
    {
        Assert.Equal(expected, Encoding.ASCII.GetString(Decode(new Base64Decoder(), input)));
        Assert.Equal(expected, Encoding.ASCII.GetString(Decode(new Base64Decoder(), input, chunk: 3)));
    }

    [Fact]
    public void Base64Decoder_LargeRandomInChunks_RoundTrips()
    {
        var data = new byte[100_003];
        new Random(1).NextBytes(data);
        var encoded = Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks);

        Assert.Equal(data, Decode(new Base64Decoder(), encoded, chunk: 4093));
    }

    [Theory]
    [InlineData("Caf=C3=A9", "Café")]
    [InlineData("soft =\r\nbreak", "soft break")]
    [InlineData("soft =\nbreak LF", "soft break LF")]
    [InlineData("soft =  \r\nbreak with blanks", "soft break with blanks")]
    [InlineData("bad =ZZ escape", "bad =ZZ escape")]
    [InlineData("lower =c3=a9", "lower é")]
    [InlineData("dangling =", "dangling =")]
    [InlineData("half =4", "half =4")]
    public void QuotedPrintableDecoder_Input_DecodesLeniently(string input, string expected)
    {
        Assert.Equal(expected, Encoding.UTF8.GetString(Decode(new QuotedPrintableDecoder(), input)));
        Assert.Equal(expected, Encoding.UTF8.GetString(Decode(new QuotedPrintableDecoder(), input, chunk: 1)));
    }

    [Fact]
    public void UUDecoder_Block_DecodesBetweenBeginAndEnd()
    {
        const string Block = "junk before\nbegin 644 cat.txt\n#0V%T\n`\nend\ntrailing\n";

        Assert.Equal("Cat", Encoding.ASCII.GetString(Decode(new UUDecoder(), Block)));
    }

    [Fact]
    public void UUEncodedBlocks_InTextBody_AreFound()
    {
        var message = TestMessages.Parse("Subject: uu\n\nHere is the file:\n\nbegin 600 hello.txt\n,:&5L;&\\@=V]R;&0*\n`\nend\n\nbye\n");

        var block = Assert.Single(UUEncodedBlock.Find((MimePart)message.Body));

        Assert.Equal("hello.txt", block.FileName);
        Assert.Equal("hello world\n", Encoding.ASCII.GetString(block.Data));
    }

    [Theory]
    [InlineData("=?utf-8?B?Q2Fmw6k=?=", "Café")]
    [InlineData("=?ISO-8859-1?Q?Andr=E9?= Pirard", "André Pirard")]
    [InlineData("=?utf-8?q?a?= =?utf-8?q?b?=", "ab")]
    [InlineData("=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab")]
    [InlineData("=?utf-8?B?w6k=?= plain =?utf-8?Q?x?=", "é plain x")]
    [InlineData("=?windows-1251?B?z/Do4uXy?=", "Привет")]
    [InlineData("=?iso-2022-jp?B?GyRCJEgkaiQiJCgkOhsoQg==?=", "とりあえず")]
    [InlineData("=?koi8-r?Q?=F0=D2=C9=D7=C5=D4?=", "Привет")]
    [InlineData("=?utf-8*en?q?lang?=", "lang")]
    [InlineData("=?utf-8?q?with spaces inside?=", "with spaces inside")]
    [InlineData("=?unknown-charset?q?abc?=", "abc")]
    [InlineData("=?utf-8?x?bad-encoding?=", "=?utf-8?x?bad-encoding?=")]
    [InlineData("=?utf-8?q?unterminated", "=?utf-8?q?unterminated")]
    [InlineData("pre=?utf-8?q?mid?=post", "premidpost")]
    public void Rfc2047_Decode_HandlesCharsetsAndBrokenWords(string input, string expected)
    {
        Assert.Equal(expected, Rfc2047.Decode(Encoding.ASCII.GetBytes(input)));
    }

    [Fact]
    public void Rfc2047_SplitMultibyteCharacterAcrossWords_IsJoined()
    {
        // "é" is C3 A9; the two bytes are in different encoded words.
        Assert.Equal("é", Rfc2047.Decode(Encoding.ASCII.GetBytes("=?utf-8?q?=C3?= =?utf-8?q?=A9?=")));
    }

    [Fact]
    public void Charsets_InvalidUtf8_FallsBackToWindows1252()
    {
        var bytes = new byte[] { 0x63, 0x61, 0x66, 0xE9 };

        Assert.Equal("café", Charsets.Decode(bytes, "utf-8"));
        Assert.Equal("café", Charsets.Decode(bytes, null));
    }

    [Fact]
    public void Charsets_Aliases_Resolve()
    {
        Assert.Equal(949, Charsets.GetEncoding("ks_c_5601-1987")!.CodePage);
        Assert.Equal(1252, Charsets.GetEncoding("cp1252")!.CodePage);
        Assert.Equal(28591, Charsets.GetEncoding("latin1")!.CodePage);
        Assert.Null(Charsets.GetEncoding("no-such-charset"));
    }

    [Fact]
    public void ContentType_Rfc2231ContinuationsAndCharset_AreJoinedAndDecoded()
    {
        var type = ContentType.Parse("application/x-stuff;\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"")!;

        Assert.Equal("This is even more ***fun*** isn't it!", type.Parameters["title"]);
    }

    [Fact]
    public void ContentDisposition_Rfc2231Utf8FileName_IsDecoded()
    {
        var disposition = ContentDisposition.Parse("attachment; filename*=UTF-8''%E2%82%AC%20rates.pdf; filename=\"fallback.pdf\"");

        Assert.Equal("€ rates.pdf", disposition.FileName);
        Assert.True(disposition.IsAttachment);
    }

    [Fact]
    public void ContentDisposition_EncodedWordInQuotedFileName_IsDecoded()
    {
        Assert.Equal("Résumé.doc", ContentDisposition.Parse("attachment; filename=\"=?utf-8?B?UsOpc3Vtw6kuZG9j?=\"").FileName);
    }

    [Theory]
    [InlineData("text/plain", "text", "plain")]
    [InlineData("  TEXT/HTML ; charset=\"utf-8\"", "text", "html")]
    [InlineData("text", "text", "plain")]
    [InlineData("multipart/mixed (comment); boundary=\"a b\"", "multipart", "mixed")]
    public void ContentType_Parse_IsLenient(string value, string type, string subtype)
    {
        var parsed = ContentType.Parse(value)!;

        Assert.Equal(type, parsed.MediaType);
        Assert.Equal(subtype, parsed.MediaSubtype);
    }

    [Fact]
    public void ContentType_Unusable_ReturnsNull()
    {
        Assert.Null(ContentType.Parse("garbage"));
        Assert.Null(ContentType.Parse(""));
    }
}

using System.Text;
using MailMesh.Mime.Addresses;
using MailMesh.Mime.Encodings;
using MailMesh.Mime.Headers;

namespace MailMesh.Mime.Tests;

/// <summary>
/// The header shortcuts (Content-Type parsed from a stack copy of the raw bytes, encoded words and raw
/// runs appended straight into the builder, the utf-8 charset look-up) must give what the general
/// paths give, on random values and at the edges of their size limits.
/// </summary>
public sealed class HeaderFastPathTests
{
    private static string Describe(ContentType? type) =>
        type is null ? "<null>" : $"{type.MediaType}/{type.MediaSubtype}" + string.Concat(type.Parameters.Select(p => $"[{p.Name}={p.Value}]"));

    private static Header ParsedField(string name, byte[] value)
    {
        var bytes = Encoding.ASCII.GetBytes(name + ":").Concat(value).Concat("\r\n\r\nbody\r\n"u8.ToArray()).ToArray();
        var message = MimeMessage.Parse(bytes);
        return message.Headers[0];
    }

    private static readonly string[] ContentTypePieces =
    [
        "text", "/", "plain", "html", "multipart", "mixed", "Alternative", "TEXT", ";", " ", "  ", "\t", "\r\n ", "\r\n\t", "\n ",
        "charset", "=", "utf-8", "\"", "\"utf-8\"", "boundary", "\"=-abc\"", "=-x_y", "name", "file.bin", "*", "*0", "*1*", "''", "%C3%A9",
        "utf-8''%41", "(comment)", "(", ")", "\\", "\\\"", "=?utf-8?q?Zo=C3=AB?=", "=?", "?=", "format", "flowed", "delsp", "yes", "x", "\u000b", "\f",
    ];

    [Fact]
    public void ContentTypeTryParseAscii_RandomValues_AgreesWithParseOfRawText()
    {
        var random = new Random(20261123);
        var taken = 0;
        for (var round = 0; round < 20_000; round++)
        {
            var value = string.Concat(Enumerable.Range(0, random.Next(0, 14)).Select(_ => ContentTypePieces[random.Next(ContentTypePieces.Length)]));
            var header = ParsedField("Content-Type", Encoding.ASCII.GetBytes(value));
            var expected = Describe(ContentType.Parse(header.RawText));
            if (ContentType.TryParseAscii(header.RawValue.Span, out var fast))
            {
                taken++;
                Assert.True(expected == Describe(fast), $"input: {value}");
            }
        }

        Assert.True(taken > 15_000, $"only {taken} of 20,000 random ASCII values took the shortcut");
    }

    [Fact]
    public void ContentTypeTryParseAscii_ValuesAroundTheSizeLimit_AgreesOrDeclines()
    {
        foreach (var length in new[] { 480, 505, 510, 511, 512, 513, 514, 600 })
        {
            foreach (var folded in new[] { false, true })
            {
                var prefix = folded ? " multipart/mixed;\r\n boundary=\"" : " multipart/mixed; boundary=\"";
                var value = prefix + new string('b', Math.Max(0, length - prefix.Length - 3)) + "\"  ";
                var raw = Encoding.ASCII.GetBytes(value);
                var header = ParsedField("Content-Type", raw);
                var taken = ContentType.TryParseAscii(header.RawValue.Span, out var fast);
                Assert.Equal(header.RawValue.Length <= 512, taken);
                if (taken)
                {
                    Assert.Equal(Describe(ContentType.Parse(header.RawText)), Describe(fast));
                }
            }
        }
    }

    [Theory]
    [InlineData("(\\")]
    [InlineData("(a\\")]
    [InlineData("text/plain; (\\")]
    public void ContentTypeParse_CommentEndingInBackslash_NoExceptionAndTextPlainEntity(string value)
    {
        _ = ContentType.Parse(value);
        var message = MimeMessage.Parse(Encoding.ASCII.GetBytes("Content-Type: " + value + "\r\nContent-Disposition: " + value + "\r\n\r\nbody\r\n"));
        Assert.Equal("text", message.Body.ContentType.MediaType);
        _ = message.Body.ContentDisposition;
    }

    [Fact]
    public void ContentTypeTryParseAscii_NonAsciiValue_Declines()
    {
        var header = ParsedField("Content-Type", Encoding.UTF8.GetBytes(" text/plain; name=\"r\u00e9sum\u00e9.txt\""));
        Assert.False(ContentType.TryParseAscii(header.RawValue.Span, out _));
    }

    [Fact]
    public void Parse_RandomContentTypeFields_EntityTypeMatchesParseOfRawText()
    {
        // End to end through the parser: an entity's ContentType is what Parse(RawText) of its field gives
        // (or text/plain when unusable), for ASCII values, 8-bit values and both encodings of non-ASCII.
        var random = new Random(77);
        for (var round = 0; round < 3_000; round++)
        {
            var value = string.Concat(Enumerable.Range(0, random.Next(1, 10)).Select(_ => ContentTypePieces[random.Next(ContentTypePieces.Length)]));
            var raw = random.Next(4) switch
            {
                0 => Encoding.UTF8.GetBytes(value + "; name=\u00e9"),
                1 => Encoding.Latin1.GetBytes(value + "; name=\u00e9"),
                _ => Encoding.ASCII.GetBytes(value),
            };
            var bytes = "Content-Type:"u8.ToArray().Concat(raw).Concat("\r\n\r\nbody\r\n"u8.ToArray()).ToArray();
            var message = MimeMessage.Parse(bytes);
            var expected = ContentType.Parse(message.Headers[0].RawText) ?? ContentType.TextPlain;
            Assert.True(Describe(expected) == Describe(message.Body.ContentType), $"input: {value}");
        }
    }

    [Fact]
    public void Rfc2047AppendRaw_RandomBytes_MatchesDecodeRaw()
    {
        var random = new Random(5150);
        foreach (var length in Enumerable.Range(0, 40).Concat([127, 128, 255, 256, 257, 300]))
        {
            for (var round = 0; round < 60; round++)
            {
                var bytes = RandomBytes(random, length);
                foreach (var fallback in new string?[] { null, "iso-8859-2" })
                {
                    var sb = new StringBuilder("x");
                    Rfc2047.AppendRaw(sb, bytes, fallback);
                    Assert.Equal("x" + Charsets.DecodeRaw(bytes, fallback), sb.ToString());
                }
            }
        }
    }

    [Fact]
    public void Rfc2047AppendDecoded_RandomBytes_MatchesCharsetsDecode()
    {
        var random = new Random(6160);
        string[] charsets = ["utf-8", "UTF-8", "Utf-8", "utf8", "iso-8859-1", "windows-1252", "us-ascii", "bogus", "utf-7"];
        foreach (var length in Enumerable.Range(0, 40).Concat([127, 128, 255, 256, 257, 300]))
        {
            for (var round = 0; round < 40; round++)
            {
                var bytes = RandomBytes(random, length);
                foreach (var charset in charsets)
                {
                    var sb = new StringBuilder("x");
                    Rfc2047.AppendDecoded(sb, bytes, charset, "iso-8859-2");
                    Assert.Equal("x" + Charsets.Decode(bytes, charset, "iso-8859-2"), sb.ToString());
                }
            }
        }
    }

    [Fact]
    public void Rfc2047Decode_MixedWordsAndRuns_MatchesWordByWordDecoding()
    {
        Assert.Equal("brown fox Grüße and naïve", Rfc2047.Decode("brown fox =?utf-8?b?R3LDvMOfZQ==?= and =?UTF-8?Q?na=C3=AFve?="u8));
        Assert.Equal("caf\u00e9 x", Rfc2047.Decode("=?iso-8859-1?q?caf=E9?= x"u8));
        // Invalid UTF-8 in a utf-8 word takes the general fallback (windows-1252 here), as before.
        Assert.Equal(Charsets.Decode([0xE9], "utf-8"), Rfc2047.Decode("=?utf-8?q?=E9?="u8));
        // A raw 8-bit run is decoded by DecodeRaw, not widened byte by byte.
        Assert.Equal("Grüße =", Rfc2047.Decode(Encoding.UTF8.GetBytes("Grüße =")));
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("UTF-8")]
    [InlineData("uTf-8")]
    public void CharsetsGetEncoding_Utf8Names_SameAsTheResolvedName(string name)
    {
        Assert.Same(Charsets.GetEncoding(" utf-8 "), Charsets.GetEncoding(name));
        Assert.Equal(65001, Charsets.GetEncoding(name)!.CodePage);
    }

    /// <summary>Random bytes, mostly ASCII with UTF-8 sequences, broken sequences and 8-bit bytes mixed in.</summary>
    private static byte[] RandomBytes(Random random, int length)
    {
        var output = new List<byte>(length + 4);
        while (output.Count < length)
        {
            switch (random.Next(10))
            {
                case 0:
                    output.AddRange(Encoding.UTF8.GetBytes("é"));
                    break;
                case 1:
                    output.AddRange(Encoding.UTF8.GetBytes("€"));
                    break;
                case 2 when random.Next(4) == 0:
                    output.Add((byte)random.Next(0x80, 0x100));
                    break;
                default:
                    output.Add((byte)random.Next(0, 0x80));
                    break;
            }
        }

        // Some runs are pure ASCII so that the widening path is taken often.
        return random.Next(2) == 0 ? output.Take(length).Select(b => (byte)(b & 0x7F)).ToArray() : output.Take(length).ToArray();
    }
}

/// <summary>Message accessors that no longer go through iterators and the lazily made mbox marker.</summary>
public sealed class MessageAccessorTests
{
    private static readonly string[] FieldPieces =
    [
        "Mon, ", "1 Jan 2024 ", "00:00:00", " +0000", " -0130", " (UTC)", "31 Feb 2024 10:00 +0100", "Tue, 2 Jan 24 1:02:03 EST", "\r\n ", " ", "\t",
        "<", ">", "id@host.example", "(c)", "\"q\"", "a b", "Alice", "=?utf-8?q?Zo=C3=AB?=", "=?utf-8?b?R3LDvMOfZQ==?=", "x@y.example", ",", ";", ":",
        "<a@b>", "J. Smith", "@", ".", "\u00e9", "=?", "?=", "\\", "<>",
    ];

    [Fact]
    public void MessageAccessors_RandomFields_AgreeWithTheParsersAppliedToRawText()
    {
        // Subject, Date, Message-ID and the address fields are read from stack copies of ASCII fields;
        // each must equal what the general parsers give for the field's RawText (read on a second parse,
        // because making the Header changes which path the accessor takes).
        var random = new Random(31337);
        for (var round = 0; round < 6_000; round++)
        {
            string Value() => string.Concat(Enumerable.Range(0, random.Next(0, 7)).Select(_ => FieldPieces[random.Next(FieldPieces.Length)]));
            var fields = new[] { ("Subject", Value()), ("Date", Value()), ("Message-ID", Value()), ("From", Value()), ("To", Value()), ("To", Value()), ("Cc", Value()) };
            var text = string.Concat(fields.Where(_ => random.Next(5) > 0).Select(f => $"{f.Item1}:{f.Item2}\r\n")) + "\r\nbody\r\n";
            var bytes = Encoding.UTF8.GetBytes(text);
            var fast = MimeMessage.Parse(bytes);
            var general = MimeMessage.Parse(bytes).Headers;
            string Addresses(InternetAddressList list) => string.Join("|", list.Select(a => a is MailboxAddress m ? $"{m.Name}<{m.Address}>" : $"G:{a.Name}"));
            string GeneralAddresses(string name) => Addresses(new InternetAddressList(general.FindAll(name).SelectMany(h => InternetAddressList.Parse(h.RawText))));
            var context = $"input: {text}";
            Assert.True(general.Find("Subject")?.Value == fast.Subject, context);
            Assert.True(DateParser.Parse(general.Find("Date")?.RawText) == fast.Date, context);
            Assert.True(MessageIds.ParseOne(general.Find("Message-ID")?.RawText) == fast.MessageId, context);
            Assert.True(GeneralAddresses("From") == Addresses(fast.From), context);
            Assert.True(GeneralAddresses("To") == Addresses(fast.To), context);
            Assert.True(GeneralAddresses("Cc") == Addresses(fast.Cc), context);
        }
    }

    [Fact]
    public void MessageAccessors_ChangedHeaderList_ReadTheChangedFields()
    {
        var message = MimeMessage.Parse("Subject: old\r\nFrom: a@b.example\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nbody\r\n"u8.ToArray());
        message.Headers.Set("Subject", "new");
        message.Headers.Set("From", "c@d.example");
        Assert.Equal("new", message.Subject);
        Assert.Equal("c@d.example", message.From.Mailboxes.Single().Address);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), message.Date);
    }

    [Fact]
    public void Sender_EmptyGroupBeforeMailbox_ReturnsFirstMailboxLikeMailboxesFirstOrDefault()
    {
        var message = MimeMessage.Parse("Sender: empty:;, x@y.example\r\n\r\nbody\r\n"u8.ToArray());
        Assert.Equal("x@y.example", message.Sender?.Address);
        Assert.Equal(message.Addresses("Sender").Mailboxes.FirstOrDefault()?.Address, message.Sender?.Address);
    }

    [Fact]
    public void Sender_GroupWithMembers_ReturnsFirstMember()
    {
        var message = MimeMessage.Parse("Sender: team: m@x.example, n@y.example;\r\n\r\nbody\r\n"u8.ToArray());
        Assert.Equal("m@x.example", message.Sender?.Address);
    }

    [Fact]
    public void Sender_Absent_ReturnsNull()
    {
        Assert.Null(MimeMessage.Parse("From: a@b\r\n\r\nbody\r\n"u8.ToArray()).Sender);
    }

    [Fact]
    public void References_TwoFields_JoinedInOrder()
    {
        var message = MimeMessage.Parse("References: <a@x>\r\nSubject: s\r\nreferences: <b@y>\r\n <c@z>\r\n\r\nbody\r\n"u8.ToArray());
        Assert.Equal(["a@x", "b@y", "c@z"], message.References);
    }

    [Fact]
    public void References_OneOrNoField_ParsedAsBefore()
    {
        Assert.Equal(["a@x", "b@y"], MimeMessage.Parse("References: <a@x> (c) <b@y>\r\n\r\nbody\r\n"u8.ToArray()).References);
        Assert.Empty(MimeMessage.Parse("Subject: s\r\n\r\nbody\r\n"u8.ToArray()).References);
    }

    [Fact]
    public void To_SeveralFields_AllAddressesInOrder()
    {
        var message = MimeMessage.Parse("To: a@x\r\nCc: c@x\r\nTO: b@x, d@x\r\n\r\nbody\r\n"u8.ToArray());
        Assert.Equal(["a@x", "b@x", "d@x"], message.To.Mailboxes.Select(m => m.Address));
    }

    [Fact]
    public void MboxEntryMarker_CrLfSeparator_MadeWhenReadWithoutLineBreak()
    {
        var mbox = "From a@x Mon Jan  1 00:00:00 2024\r\nSubject: one\r\n\r\nbody\r\n\r\nFrom b@y\r\nSubject: two\r\n\r\nbody\r\n"u8.ToArray();
        var entries = new Mbox.MboxReader(mbox).ReadMessages().ToList();
        Assert.Equal(["From a@x Mon Jan  1 00:00:00 2024", "From b@y"], entries.Select(e => e.Marker));
        var copy = entries[0] with { };
        Assert.Equal(entries[0], copy);
        Assert.Equal(entries[0].GetHashCode(), copy.GetHashCode());
        Assert.NotEqual(entries[0], entries[0] with { Marker = "From other" });
        Assert.Equal("set", (entries[1] with { Marker = "set" }).Marker);
    }
}

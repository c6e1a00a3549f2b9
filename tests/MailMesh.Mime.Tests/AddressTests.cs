using MailMesh.Mime.Addresses;
using MailMesh.Mime.Headers;

namespace MailMesh.Mime.Tests;

public sealed class AddressTests
{
    [Fact]
    public void Parse_MailboxList_ReadsNamesAndAddresses()
    {
        var list = InternetAddressList.Parse("\"Doe, John\" <john@example.com>, jane@example.org (Jane Roe), <bare@example.net>");

        var boxes = list.Mailboxes.ToList();
        Assert.Equal(3, boxes.Count);
        Assert.Equal(("Doe, John", "john@example.com"), (boxes[0].Name, boxes[0].Address));
        Assert.Equal(("Jane Roe", "jane@example.org"), (boxes[1].Name, boxes[1].Address));
        Assert.Equal(("", "bare@example.net"), (boxes[2].Name, boxes[2].Address));
    }

    [Fact]
    public void Parse_Groups_KeepMembers()
    {
        var list = InternetAddressList.Parse("Team: a@x.com, B <b@x.com>;, undisclosed-recipients:;, c@y.com");

        var team = Assert.IsType<GroupAddress>(list[0]);
        Assert.Equal("Team", team.Name);
        Assert.Equal(["a@x.com", "b@x.com"], team.Members.Select(m => m.Address));
        Assert.Empty(Assert.IsType<GroupAddress>(list[1]).Members);
        Assert.Equal("c@y.com", Assert.IsType<MailboxAddress>(list[2]).Address);
        Assert.Equal(3, list.Mailboxes.Count());
    }

    [Fact]
    public void Parse_EncodedDisplayName_IsDecoded()
    {
        var box = InternetAddressList.Parse("=?utf-8?q?J=C3=B6rg?= =?utf-8?q?_M=C3=BCller?= <jm@example.de>").Mailboxes.Single();

        Assert.Equal("Jörg Müller", box.Name);
    }

    [Fact]
    public void Parse_UnquotedCommaInName_IsRepaired()
    {
        var box = InternetAddressList.Parse("Doe, John <john@example.com>").Mailboxes.Single();

        Assert.Equal("Doe, John", box.Name);
        Assert.Equal("john@example.com", box.Address);
    }

    [Theory]
    [InlineData("John Doe <john@example.com", "John Doe", "john@example.com")]
    [InlineData("<@route.example,@other.example:user@example.com>", "", "user@example.com")]
    [InlineData("john . doe @ example . com", "", "john.doe@example.com")]
    [InlineData("\"john..doe\"@example.com", "", "john..doe@example.com")]
    [InlineData("localuser", "", "localuser")]
    [InlineData("John Q. Public <jqp@example.com>", "John Q. Public", "jqp@example.com")]
    [InlineData("user@[192.168.0.1]", "", "user@[192.168.0.1]")]
    public void Parse_BrokenAndObsoleteForms_AreBestEffort(string input, string name, string address)
    {
        var box = InternetAddressList.Parse(input).Mailboxes.Single();

        Assert.Equal(name, box.Name);
        Assert.Equal(address, box.Address);
    }

    [Fact]
    public void MailboxAddress_IdnDomain_ConvertsBothWays()
    {
        var box = InternetAddressList.Parse("user@xn--bcher-kva.example").Mailboxes.Single();

        Assert.Equal("bücher.example", box.UnicodeDomain);
        Assert.Equal("xn--bcher-kva.example", new MailboxAddress("", "user@bücher.example").AsciiDomain);
    }

    [Fact]
    public void Parse_EmptyOrGarbage_NeverThrows()
    {
        Assert.Empty(InternetAddressList.Parse(""));
        Assert.NotNull(InternetAddressList.Parse("<<<>>>@@@,,,;;;:::\"unterminated (comment"));
    }

    [Fact]
    public void MessageIds_ParseReferences_InOrder()
    {
        Assert.Equal(["a@x", "b@y", "c@z"], MessageIds.ParseList("<a@x> (comment) <b@y>\r\n <c@z>"));
        Assert.Equal(["bare@id.example"], MessageIds.ParseList("bare@id.example"));
        Assert.Equal("one@x", MessageIds.ParseOne("  <one@x>  "));
    }

    [Theory]
    [InlineData("Tue, 1 Jul 2003 10:52:37 +0200", "2003-07-01T10:52:37+02:00")]
    [InlineData("1 Jul 2003 10:52:37 -0700", "2003-07-01T10:52:37-07:00")]
    [InlineData("Wed, 11 Feb 98 11:51 CST", "1998-02-11T11:51:00-06:00")]
    [InlineData("Thu, 13 Feb 1969 23:32:54 -0330 (Newfoundland Time)", "1969-02-13T23:32:54-03:30")]
    [InlineData("Mon Jan  3 10:20:30 2011", "2011-01-03T10:20:30+00:00")]
    [InlineData("Fri, 21 Nov 97 09:55:06 GMT", "1997-11-21T09:55:06+00:00")]
    [InlineData("21-Nov-1997 09:55:06 +01:00", "1997-11-21T09:55:06+01:00")]
    [InlineData("2023-04-05T06:07:08Z", "2023-04-05T06:07:08+00:00")]
    [InlineData("Sun, 5 June 2011 1:2:3 +0000", "2011-06-05T01:02:03+00:00")]
    [InlineData("Tue, 01 Jul 2003 10:52:37 +0200 (CEST)", "2003-07-01T10:52:37+02:00")]
    public void DateParser_CommonForms_ParseWithZone(string input, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), DateParser.Parse(input));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture).Offset, DateParser.Parse(input)!.Value.Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a date")]
    [InlineData("32 Jan 2020 10:00:00")]
    [InlineData("Feb 30 2020 10:00")]
    public void DateParser_Garbage_ReturnsNull(string input)
    {
        Assert.Null(DateParser.Parse(input));
    }

    [Fact]
    public void MimeMessage_HeaderAccessors_ParseFields()
    {
        var message = TestMessages.Parse("From: Alice <alice@example.com>\nTo: a@x, b@y\nCc: c@z\nDate: Tue, 1 Jul 2003 10:52:37 +0200\nMessage-ID: <id1@example.com>\nIn-Reply-To: <id0@example.com>\nReferences: <r1@x> <r2@x>\nSubject: hi\n\nbody");

        Assert.Equal("alice@example.com", message.From.Mailboxes.Single().Address);
        Assert.Equal(2, message.To.Count);
        Assert.Single(message.Cc);
        Assert.Equal(new DateTimeOffset(2003, 7, 1, 10, 52, 37, TimeSpan.FromHours(2)), message.Date);
        Assert.Equal("id1@example.com", message.MessageId);
        Assert.Equal(["id0@example.com"], message.InReplyTo);
        Assert.Equal(["r1@x", "r2@x"], message.References);
    }
}

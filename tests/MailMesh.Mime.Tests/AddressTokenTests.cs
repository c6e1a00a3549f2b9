using MailMesh.Mime.Addresses;

namespace MailMesh.Mime.Tests;

public sealed class AddressTokenTests
{
    [Theory]
    [InlineData("\"Plain Name\" <p@example.com>", "Plain Name", "p@example.com")]
    [InlineData("\"Esc \\\"aped\\\\ name\" <e@example.com>", "Esc \"aped\\ name", "e@example.com")]
    [InlineData("\"local part\"@example.com", "", "\"local part\"@example.com")]
    [InlineData("Single <s@example.com>", "Single", "s@example.com")]
    [InlineData("=?utf-8?q?Zo=C3=AB?= <z@example.com>", "Zoë", "z@example.com")]
    public void Parse_QuotedAndSingleWordNames_AreReadExactly(string input, string name, string address)
    {
        var list = InternetAddressList.Parse(input);

        var box = Assert.Single(list.Mailboxes);
        Assert.Equal((name, address), (box.Name, box.Address));
    }

    [Fact]
    public void Parse_BareWordsFollowedByAngleAddressInLaterItem_CarryTheName()
    {
        var list = InternetAddressList.Parse("Doe, John <john@example.com>; x, bare, Roe, Jane (note) <jane@example.org>");

        var boxes = list.Mailboxes.Select(m => (m.Name, m.Address)).ToList();

        Assert.Equal(("Doe, John", "john@example.com"), boxes[0]);
        Assert.Contains(("Roe, Jane", "jane@example.org"), boxes);
    }

    [Fact]
    public void Parse_UnterminatedQuote_RunsToTheEndWithoutThrowing()
    {
        var list = InternetAddressList.Parse("\"Unterminated <u@example.com>");

        var box = Assert.Single(list.Mailboxes);
        Assert.Equal("Unterminated<u@example.com>", box.Address);
    }

    [Fact]
    public void Parse_GroupNameWithSpecialsBeforeColon_IsNotAGroup()
    {
        var list = InternetAddressList.Parse("<a@example.com>: b@example.com");

        Assert.DoesNotContain(list, a => a is GroupAddress);
    }

    [Fact]
    public void Addresses_SeveralFieldsOfOneName_AreJoinedInOrderAndFreshPerCall()
    {
        var message = MimeMessage.Parse(System.Text.Encoding.ASCII.GetBytes(
            "To: A <a@example.com>\r\nCc: c@example.com\r\nTo: b@example.com, <@route,@r2:d@example.com>\r\n\r\nbody\r\n"));

        var to = message.To;

        Assert.Equal(["a@example.com", "b@example.com", "d@example.com"], to.Mailboxes.Select(m => m.Address));
        Assert.NotSame(to, message.To);
        Assert.Empty(message.Bcc);
    }
}

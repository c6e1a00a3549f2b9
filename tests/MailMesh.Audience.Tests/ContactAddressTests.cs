using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Tests;

public sealed class ContactAddressTests
{
    [Theory]
    [InlineData("Jane.Doe@Example.COM", "jane.doe@example.com")]
    [InlineData("  jane+news@example.com ", "jane+news@example.com")]
    [InlineData("o'brien@example.ie", "o'brien@example.ie")]
    [InlineData("\"john doe\"@example.com", "\"john doe\"@example.com")]
    [InlineData("user@exämple.de", "user@xn--exmple-cua.de")]
    [InlineData("user@bücher.example", "user@xn--bcher-kva.example")]
    [InlineData("用户@example.com", "用户@example.com")]
    [InlineData("user@example.com.", "user@example.com")]
    public void Check_ValidAddress_IsNormalized(string input, string normalized)
    {
        var check = ContactAddress.Check(input);

        Assert.Null(check.Error);
        Assert.Equal(normalized, check.Normalized);
    }

    [Fact]
    public void Check_IdnDomain_DisplaysUnicode()
    {
        Assert.Equal("user@exämple.de", ContactAddress.Check("user@xn--exmple-cua.de").Display);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("jane.example.com", "no '@'")]
    [InlineData("@example.com", "local part (before '@') is empty")]
    [InlineData("jane..doe@example.com", "misplaced '.' at position 5")]
    [InlineData(".jane@example.com", "misplaced '.' at position 0")]
    [InlineData("jane doe@example.com", "' ' at position 4")]
    [InlineData("jane@", "domain (after '@') is empty")]
    [InlineData("jane@localhost", "has no '.'")]
    [InlineData("jane@exa_mple.com", "'_' at position 8")]
    [InlineData("jane@[192.0.2.1]", "address literal")]
    [InlineData("jane@example.123", "numeric label")]
    [InlineData("\"jane@example.com", "no closing")]
    [InlineData("jane@-example.com", "not a valid (internationalized) domain name")]
    public void Check_InvalidAddress_SaysWhatAndWhere(string input, string expected)
    {
        var check = ContactAddress.Check(input);

        Assert.False(check.IsValid);
        Assert.Null(check.Normalized);
        Assert.Contains(expected, check.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_LocalPartOver64Octets_IsRefused()
    {
        var check = ContactAddress.Check(new string('a', 65) + "@example.com");

        Assert.Contains("65 octets", check.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jane@gmial.com", "jane@gmail.com")]
    [InlineData("jane@hotmail.con", "jane@hotmail.com")]
    [InlineData("jane@yahooo.fr", "jane@yahoo.fr")]
    [InlineData("jane@gmail.com", null)]
    [InlineData("jane@example.com", null)]
    public void Check_CommonDomainTypo_IsSuggested(string input, string? suggestion)
    {
        Assert.Equal(suggestion, ContactAddress.Check(input).Suggestion);
    }

    [Theory]
    [InlineData("info@example.com", true)]
    [InlineData("Sales+eu@example.com", true)]
    [InlineData("no-reply@example.com", true)]
    [InlineData("jane@example.com", false)]
    public void Check_RoleAddress_IsFlagged(string input, bool role)
    {
        Assert.Equal(role, ContactAddress.Check(input).RoleAddress);
    }
}

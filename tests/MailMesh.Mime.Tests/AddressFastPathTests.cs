using MailMesh.Mime.Addresses;

namespace MailMesh.Mime.Tests;

/// <summary>The single-mailbox shortcut of the address parser must give what the tokenizing parser gives, or decline.</summary>
public sealed class AddressFastPathTests
{
    private static string Describe(InternetAddressList list) =>
        string.Join(" | ", list.Select(a => a is MailboxAddress m ? $"M[{m.Name}][{m.LocalPart}][{m.Domain}]" : $"G[{a.Name}]"));

    [Theory]
    [InlineData("Sender 0 <sender0@example.com>", true)]
    [InlineData("=?utf-8?q?Zo=C3=AB_Recipient?= <rcpt@example.org>", true)]
    [InlineData("  plain@example.com  ", true)]
    [InlineData("<only@angle.example>", true)]
    [InlineData("Many   Spaced\t Words <a.b@c.d>", true)]
    [InlineData("=?utf-8?q?=C3=A9?= <a@b>", false)]
    [InlineData("=?a?q?b?=c <a@b>", false)]
    [InlineData("=?a?q?b<x?=@y>", false)]
    [InlineData("J. Smith <j@x>", false)]
    [InlineData("\"Quoted, Name\" <q@x>", false)]
    [InlineData("a@b, c@d", false)]
    [InlineData("=?a?b@c?=", false)]
    [InlineData("Name\u00a0Nbsp <n@x>", false)]
    public void TryParseSingleMailbox_CommonAndTrickyForms_AgreesWithTokenizerOrDeclines(string value, bool taken)
    {
        var fast = AddressParser.TryParseSingleMailbox(value);
        Assert.Equal(taken, fast is not null);
        if (fast is not null)
        {
            Assert.Equal(Describe(AddressParser.ParseTokenized(value)), Describe([fast]));
        }
    }

    [Fact]
    public void TryParseSingleMailbox_RandomFields_AgreesWithTokenizerWheneverTaken()
    {
        string[] pieces =
        [
            "Alice", "Bob", " ", "  ", "\t", "\r\n ", "=?utf-8?q?Zo=C3=AB?=", "=?utf-8?b?R3LDvMOfZQ==?=", "=?", "?=", "=?x?q?a", "b?=", "<", ">", "@", ".",
            "a", "example.com", "\u00e9", "\u00a0", "\u2003", ",", ";", ":", "\"", "(c)", "[1.2.3.4]", "\\", "_", "=", "?", "x@y", "<a@b>", "\u0001",
        ];
        string[] friendly = ["Alice", "Bob", " ", "=?utf-8?q?Zo=C3=AB?=", "=?utf-8?b?R3LDvMOfZQ==?=", "a", "example.com", "\u00e9", "x@y", "_", "=", "?"];
        var random = new Random(424242);
        string Piece() => random.Next(10) < 7 ? friendly[random.Next(friendly.Length)] : pieces[random.Next(pieces.Length)];
        var taken = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var n = 1 + random.Next(8);
            var value = string.Concat(Enumerable.Range(0, n).Select(_ => Piece()));
            if (random.Next(2) == 0)
            {
                value += "<" + Piece() + "@" + Piece() + ">";
            }

            var fast = AddressParser.TryParseSingleMailbox(value);
            if (fast is not null)
            {
                taken++;
                Assert.True(Describe(AddressParser.ParseTokenized(value)) == Describe([fast]), $"input: {value}");
            }
        }

        Assert.True(taken > 1_000, $"only {taken} of 20,000 random fields took the shortcut");
    }

    [Fact]
    public void MessageIdsParseOne_RandomValues_MatchFirstIdOfParseList()
    {
        string[] pieces = ["<", ">", "a@b.example", " ", "\t", "(comment)", "x", "@", "\"q\"", ",", "<>", "\r\n "];
        var random = new Random(20261128);
        var taken = 0;
        for (var round = 0; round < 20_000; round++)
        {
            var value = string.Concat(Enumerable.Range(0, random.Next(0, 8)).Select(_ => pieces[random.Next(pieces.Length)]));
            var list = MessageIds.ParseList(value);
            var expected = list.Count > 0 ? list[0] : (string.IsNullOrWhiteSpace(value) ? null : value.Trim().Trim('<', '>'));
            Assert.Equal(expected, MessageIds.ParseOne(value));
            if (MessageIds.FirstBracketed(value) is { } fast)
            {
                Assert.Equal(list[0], fast);
                taken++;
            }
        }

        Assert.True(taken > 1_000, $"only {taken} of 20,000 random values took the shortcut");
    }
}

using System.Text;
using MailMesh.Protocols.Imap;
using MailMesh.Protocols.Imap.Internal;

namespace MailMesh.Protocols.Tests.Imap;

public sealed class ImapValueTests
{
    [Theory]
    [InlineData("1", "1")]
    [InlineData("1:5,7,9:*", "1:5,7,9:*")]
    [InlineData("5:1", "1:5")]
    [InlineData("*:5", "5:*")]
    public void Parse_ValidUidSet_FormatsBackInImapSyntax(string text, string expected)
    {
        Assert.Equal(expected, ImapUidSet.Parse(text).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("1,,2")]
    [InlineData("a:3")]
    [InlineData("1:2:3")]
    public void Parse_InvalidUidSet_ThrowsFormatExceptionQuotingTheText(string text)
    {
        var error = Assert.Throws<FormatException>(() => ImapUidSet.Parse(text));

        Assert.Contains("'" + text + "'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromUids_UnsortedWithDuplicates_CompressesIntoRanges()
    {
        Assert.Equal("1:3,7,9:10", ImapUidSet.FromUids([3, 1, 2, 2, 10, 7, 9]).ToString());
    }

    [Fact]
    public void Split_ClosedRanges_CutsIntoBatchesOfAtMostTheGivenSize()
    {
        var batches = ImapUidSet.Parse("1:250,300,400:449").Split(100).Select(b => b.ToString()).ToList();

        Assert.Equal(["1:100", "101:200", "201:250,300,400:448", "449"], batches);
    }

    [Fact]
    public void Split_OpenEndedRange_StaysWhole()
    {
        Assert.Equal(["1:*"], ImapUidSet.All.Split(10).Select(b => b.ToString()));
    }

    [Fact]
    public void Count_OpenEndedSet_ThrowsSayingWhy()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ImapUidSet.StartingAt(5).Count);

        Assert.Contains("open-ended", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetUidMap_CopyUidSets_PairsSourceAndDestinationByPosition()
    {
        var result = new ImapCopyResult(9, ImapUidSet.Parse("4,7:8"), ImapUidSet.Parse("100:102"));

        Assert.Equal(new Dictionary<uint, uint> { [4] = 100, [7] = 101, [8] = 102 }, result.GetUidMap());
    }

    [Theory]
    [InlineData("17-Jul-1996 02:44:25 -0700", 1996, 7, 17, -7)]
    [InlineData(" 7-Jan-2026 23:00:00 +0130", 2026, 1, 7, 1.5)]
    public void ImapDate_TryParse_ReadsDayMonthYearTimeAndZone(string text, int year, int month, int day, double zone)
    {
        Assert.True(ImapDate.TryParse(Encoding.ASCII.GetBytes(text), out var value));

        Assert.Equal(new DateTime(year, month, day), value.Date);
        Assert.Equal(TimeSpan.FromHours(zone), value.Offset);
    }

    [Fact]
    public void ImapDate_Format_RoundTrips()
    {
        var date = new DateTimeOffset(2026, 11, 2, 3, 4, 5, TimeSpan.FromHours(-5));

        var text = ImapDate.Format(date);

        Assert.Equal("02-Nov-2026 03:04:05 -0500", text);
        Assert.True(ImapDate.TryParse(Encoding.ASCII.GetBytes(text), out var back));
        Assert.Equal(date, back);
    }

    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("Résumé", "R&AOk-sum&AOk-")]
    [InlineData("Tom & Jerry", "Tom &- Jerry")]
    [InlineData("日本語", "&ZeVnLIqe-")]
    public void ImapUtf7_EncodeAndDecode_FollowRfc3501(string name, string encoded)
    {
        Assert.Equal(encoded, ImapUtf7.Encode(name));
        Assert.Equal(name, ImapUtf7.Decode(encoded));
    }
}

using System.Net;
using MailMesh.Engagement.Classification;
using MailMesh.Grains.Engagement;
using Microsoft.Extensions.Options;

namespace MailMesh.Engagement.Tests.Classification;

public sealed class HitClassifierTests
{
    private const string Browser = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
    private static readonly TimeSpan Later = TimeSpan.FromHours(3);

    private static HitClassifier Classifier(params string[] networks) => new(Options.Create(new ClassificationOptions { MachineNetworks = [.. networks] }));

    [Fact]
    public void Classify_PersonOnAHomeNetworkHoursLater_IsHuman()
    {
        Assert.Equal((false, (string?)null), Classifier().Classify(HitKind.Open, IPAddress.Parse("203.0.113.9"), Browser, false, Later));
    }

    [Theory]
    [InlineData("17.58.101.4", "apple-mpp")]
    [InlineData("::ffff:17.58.101.4", "apple-mpp")]
    [InlineData("2620:149:a:1::5", "apple-mpp")]
    [InlineData("40.107.22.5", "scanner-network")]
    [InlineData("148.163.130.1", "scanner-network")]
    public void Classify_OpenFromAKnownProxyOrScannerNetwork_IsMachineWithItsReason(string address, string reason)
    {
        Assert.Equal((true, reason), Classifier().Classify(HitKind.Open, IPAddress.Parse(address), "Mozilla/5.0", false, Later));
    }

    [Fact]
    public void Classify_GmailImageProxy_IsHumanThroughTheProxy()
    {
        var (machine, reason) = Classifier().Classify(HitKind.Open, IPAddress.Parse("66.249.84.1"),
            "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", false, Later);

        Assert.False(machine);
        Assert.Equal("gmail-proxy", reason);
    }

    [Theory]
    [InlineData("curl/8.5.0")]
    [InlineData("python-requests/2.31")]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1)")]
    [InlineData("Mozilla/5.0 HeadlessChrome/120.0")]
    [InlineData("Barracuda Sentinel (EE)")]
    public void Classify_BotUserAgent_IsMachine(string agent)
    {
        Assert.Equal((true, "bot-agent"), Classifier().Classify(HitKind.Click, IPAddress.Parse("203.0.113.9"), agent, false, Later));
    }

    [Fact]
    public void Classify_NoUserAgent_IsMachine()
    {
        Assert.Equal((true, "no-agent"), Classifier().Classify(HitKind.Click, IPAddress.Parse("203.0.113.9"), "  ", false, Later));
    }

    [Fact]
    public void Classify_HeadRequest_IsMachine()
    {
        Assert.Equal((true, "head-request"), Classifier().Classify(HitKind.Click, IPAddress.Parse("203.0.113.9"), Browser, true, Later));
    }

    [Fact]
    public void Classify_ClickSecondsAfterSending_IsAPreClick()
    {
        Assert.Equal((true, "pre-click"), Classifier().Classify(HitKind.Click, IPAddress.Parse("203.0.113.9"), Browser, false, TimeSpan.FromSeconds(4)));
        Assert.False(Classifier().Classify(HitKind.Click, IPAddress.Parse("203.0.113.9"), Browser, false, TimeSpan.FromSeconds(30)).Machine);
    }

    [Fact]
    public void Classify_OpenInTheFirstSecond_IsAPreOpen()
    {
        Assert.Equal((true, "pre-open"), Classifier().Classify(HitKind.Open, IPAddress.Parse("203.0.113.9"), Browser, false, TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public void Classify_ConfiguredNetwork_IsMachine()
    {
        Assert.Equal((true, "listed-network"), Classifier("198.51.100.0/24").Classify(HitKind.Open, IPAddress.Parse("198.51.100.77"), Browser, false, Later));
    }

    [Fact]
    public void Classify_UnsubscribeFromAScanner_IsStillHuman()
    {
        Assert.False(Classifier().Classify(HitKind.Unsubscribe, IPAddress.Parse("40.107.22.5"), "curl/8", false, TimeSpan.Zero).Machine);
    }

    [Theory]
    [InlineData("17.0.0.0/33")]
    [InlineData("not-an-address/8")]
    [InlineData("10.0.0.0/x")]
    public void Parse_BadCidr_SaysWhatWasWrong(string cidr)
    {
        var error = Assert.Throws<FormatException>(() => IpNetwork.Parse(cidr));

        Assert.Contains(cidr, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.255.1.1", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.168.4.0/22", "192.168.7.255", true)]
    [InlineData("192.168.4.0/22", "192.168.8.0", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "10.0.0.1", false)]
    public void Contains_AddressesInsideAndOutside_AreToldApart(string cidr, string address, bool inside)
    {
        Assert.Equal(inside, IpNetwork.Parse(cidr).Contains(IPAddress.Parse(address)));
    }
}

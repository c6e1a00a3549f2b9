namespace MailMesh.Reports.Tests;

[Collection(ReportsSiloCollection.Name)]
public sealed class ReportsCliTests(ReportsSilo silo)
{
    [Fact]
    public async Task ReportsCampaign_SeededCampaign_PrintsDeliveryEngagementRatesAndLinkTables()
    {
        var (_, admin, _) = await silo.SeedAsync("cli");

        var (code, output, error) = await silo.RunCliAsync(admin, "reports", "campaign", "spring");

        Assert.True(code == 0, error);
        Assert.Contains("campaign spring (Spring news, draft)", output, StringComparison.Ordinal);
        foreach (var title in new[] { "delivery", "engagement", "rates", "clicks per link" })
        {
            Assert.Contains(title, output, StringComparison.Ordinal);
        }

        // The delivery row: 6 recipients, 5 sent, 4 delivered; the opens row: 4 raw, 3 human, 4 unique, 3 unique human.
        Assert.Matches(@"[│|]\s*6\s*[│|]\s*5\s*[│|]\s*4\s*[│|]", output);
        Assert.Matches(@"[│|]\s*opens\s*[│|]\s*4\s*[│|]\s*3\s*[│|]\s*4\s*[│|]\s*3\s*[│|]", output);
        Assert.Contains("66.7", output, StringComparison.Ordinal);
        Assert.Contains("https://example.com/b", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportsSegment_WithCampaignAndHourly_PrintsTheMembersCountAndTheSeries()
    {
        var (_, admin, _) = await silo.SeedAsync("clis");

        var (code, output, error) = await silo.RunCliAsync(admin, "reports", "segment", "gold", "--campaign", "spring", "--hourly");

        Assert.True(code == 0, error);
        Assert.Contains("segment gold (3 members now)", output, StringComparison.Ordinal);
        Assert.Contains("hourly (UTC)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportsCampaign_Json_PrintsOneObject()
    {
        var (_, admin, _) = await silo.SeedAsync("clij");

        var (code, output, error) = await silo.RunCliAsync(admin, "reports", "campaign", "spring", "--json");

        Assert.True(code == 0, error);
        var report = Google.Protobuf.JsonParser.Default.Parse<MailMesh.Api.V1.Report>(output.Trim());
        Assert.Equal(5, report.Delivery.Sent);
    }

    [Fact]
    public async Task ReportsCampaign_UnknownCampaign_FailsNamingIt()
    {
        var (_, admin, _) = await silo.SeedAsync("clin");

        var (code, _, error) = await silo.RunCliAsync(admin, "reports", "campaign", "autumn");

        Assert.NotEqual(0, code);
        Assert.Contains("campaign 'autumn' does not exist", error, StringComparison.Ordinal);
    }
}

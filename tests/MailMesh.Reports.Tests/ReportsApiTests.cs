using MailMesh.Api.V1;
using MailMesh.Client;

namespace MailMesh.Reports.Tests;

[Collection(ReportsSiloCollection.Name)]
public sealed class ReportsApiTests(ReportsSilo silo)
{
    [Fact]
    public async Task GetCampaignReport_SeededCampaign_ReturnsDeliveryEngagementRatesLinksAndHours()
    {
        var (_, admin, start) = await silo.SeedAsync("api");
        using var client = silo.Client(admin);

        var r = await client.Reports().GetCampaignReportAsync(new GetCampaignReportRequest { CampaignId = "spring" });

        Assert.Equal(("spring", "Spring news", "draft"), (r.CampaignId, r.CampaignName, r.CampaignStatus));
        var d = r.Delivery;
        Assert.Equal((6L, 5L, 1L, 1L, 1L, 0L, 4L), (d.Recipients, d.Sent, d.Failed, d.Bounced, d.HardBounced, d.SoftBounced, d.Delivered));
        Assert.Equal(new ReportHits { Raw = 4, Human = 3, Unique = 4, UniqueHuman = 3 }, r.Opens);
        Assert.Equal(new ReportHits { Raw = 3, Human = 2, Unique = 3, UniqueHuman = 2 }, r.Clicks);
        Assert.Equal((3L, 1L, 1L), (r.HumanEngaged, r.Unsubscribes, r.Complaints));
        Assert.Equal(0.8, r.Rates.Delivery, 6);
        Assert.Equal(0.75, r.Rates.Open, 6);
        Assert.Equal(2.0 / 3, r.Rates.ClickToOpen, 6);
        Assert.Equal(
            [(0, "https://example.com/a", 2L, 1L), (1, "https://example.com/b", 1L, 1L)],
            r.Links.Select(l => (l.Index, l.Url, l.Clicks.Raw, l.Clicks.Human)));
        Assert.Equal(start, r.Hourly[0].Hour.ToDateTimeOffset());
        Assert.Equal((4L, 3L, 2L, 1L), (r.Hourly[0].Sent, r.Hourly[0].Opens, r.Hourly[0].Clicks, r.Hourly[0].Unsubscribes));
        Assert.Equal((1L, 1L, 1L), (r.Hourly[1].Sent, r.Hourly[1].Opens, r.Hourly[1].HumanClicks));
        Assert.Equal((1L, 1L), (r.Hourly.Sum(h => h.Bounces), r.Hourly.Sum(h => h.Complaints)));
        Assert.True(r.Hourly.Count >= 4, $"the series runs from the first send to the bounce recorded now, not {r.Hourly.Count} hours");
    }

    [Fact]
    public async Task GetSegmentReport_GoldMembersOfOneCampaign_CountsOnlyTheMembers()
    {
        var (_, admin, _) = await silo.SeedAsync("segment");
        using var client = silo.Client(admin);

        var r = await client.Reports().GetSegmentReportAsync(new GetSegmentReportRequest { Segment = "gold", CampaignId = "spring" });
        var all = await client.Reports().GetSegmentReportAsync(new GetSegmentReportRequest { Segment = "gold" });

        Assert.Equal(("gold", 3L), (r.Segment, r.SegmentMembers));
        Assert.Equal((3L, 3L, 0L, 3L), (r.Delivery.Recipients, r.Delivery.Sent, r.Delivery.Bounced, r.Delivery.Delivered));
        Assert.Equal(new ReportHits { Raw = 3, Human = 2, Unique = 3, UniqueHuman = 2 }, r.Opens);
        Assert.Equal((0L, 1L), (r.Unsubscribes, r.Complaints));
        Assert.Equal("", all.CampaignId);
        Assert.Equal(r.Delivery, all.Delivery);
        Assert.Empty(all.Links);
    }

    [Fact]
    public async Task GetCampaignReport_UnknownCampaign_NotFoundNamingIt()
    {
        var (_, admin, _) = await silo.SeedAsync("unknown");
        using var client = silo.Client(admin);

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Reports().GetCampaignReportAsync(new GetCampaignReportRequest { CampaignId = "autumn" }));

        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Contains("campaign 'autumn' does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetCampaignReport_AnotherTenantsCampaign_NotFound()
    {
        await silo.SeedAsync("owner");
        var (_, otherAdmin, _) = await silo.SeedAsync("other");
        using var other = silo.Client(otherAdmin);
        // The other tenant has its own "spring"; a third tenant without campaigns must not see either.
        using var op = silo.Client(silo.OperatorKey);
        var empty = (await op.Admin.CreateTenantAsync(new CreateTenantRequest { TenantId = "empty-" + Guid.NewGuid().ToString("N")[..8], DisplayName = "empty" })).AdminKey.Secret;
        using var stranger = silo.Client(empty);

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => stranger.Reports().GetCampaignReportAsync(new GetCampaignReportRequest { CampaignId = "spring" }));
        var own = await other.Reports().GetCampaignReportAsync(new GetCampaignReportRequest { CampaignId = "spring" });

        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Equal(6, own.Delivery.Recipients);
    }

    [Fact]
    public async Task GetSegmentReport_UnknownSegment_NotFoundNamingIt()
    {
        var (_, admin, _) = await silo.SeedAsync("noseg");
        using var client = silo.Client(admin);

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Reports().GetSegmentReportAsync(new GetSegmentReportRequest { Segment = "platinum" }));

        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Contains("segment 'platinum' does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetCampaignReport_MalformedId_InvalidArgumentNamingTheField()
    {
        var (_, admin, _) = await silo.SeedAsync("bad");
        using var client = silo.Client(admin);

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Reports().GetCampaignReportAsync(new GetCampaignReportRequest { CampaignId = "../Spring" }));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("campaign_id", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetCampaignReport_KeyWithoutCampaignsRead_PermissionDenied()
    {
        var (_, admin, _) = await silo.SeedAsync("scope");
        using var adminClient = silo.Client(admin);
        var request = new CreateApiKeyRequest { Name = "contacts only" };
        request.Scopes.Add(ApiScopes.ContactsRead);
        using var client = silo.Client((await adminClient.Admin.CreateApiKeyAsync(request)).Created.Secret);

        var e = await Assert.ThrowsAsync<MailMeshRpcException>(() => client.Reports().GetCampaignReportAsync(new GetCampaignReportRequest { CampaignId = "spring" }));

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }
}

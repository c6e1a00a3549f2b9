using MailMesh.Engagement.Reports;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Reports;

/// <summary>The report queries of the send log, the hit store and the notice store on one seeded campaign ("spring" of
/// tenant acme), a second campaign of the same tenant and a campaign of another tenant with the same id.</summary>
public sealed class ReportQueriesTests : IAsyncLifetime
{
    private const string Tenant = "acme";
    private const string Campaign = "spring";
    private static readonly DateTimeOffset T0 = ReportFixture.T0;
    private readonly ReportFixture _f = new();

    public async Task InitializeAsync()
    {
        await _f.InitializeAsync();
        await _f.SendAsync(Tenant, Campaign, SendStatus.Sent, T0.AddMinutes(10), false, "a@x.test", "b@x.test", "c@x.test", "d@x.test", "e@x.test", "f@x.test", "g@x.test");
        await _f.SendAsync(Tenant, Campaign, SendStatus.Sent, T0.AddMinutes(65), deferredFirst: true, "h@x.test");
        await _f.SendAsync(Tenant, Campaign, SendStatus.Failed, T0.AddMinutes(10), false, "i@x.test");
        await _f.SendAsync(Tenant, Campaign, SendStatus.Suppressed, T0.AddMinutes(10), false, "j@x.test");
        await _f.SendAsync(Tenant, Campaign, SendStatus.Queued, T0, false, "k@x.test");
        await _f.SendAsync(Tenant, Campaign, SendStatus.Deferred, T0.AddMinutes(10), false, "l@x.test");
        await _f.SendAsync(Tenant, "summer", SendStatus.Sent, T0.AddDays(7), false, "a@x.test");
        await _f.SendAsync("other", Campaign, SendStatus.Sent, T0.AddMinutes(10), false, "x@x.test");

        await _f.HitAsync(Tenant, Campaign, "a@x.test", HitKind.Open, T0.AddMinutes(20));
        await _f.HitAsync(Tenant, Campaign, "a@x.test", HitKind.Open, T0.AddMinutes(21));
        await _f.HitAsync(Tenant, Campaign, "b@x.test", HitKind.Open, T0.AddMinutes(11), machine: true);
        await _f.HitAsync(Tenant, Campaign, "c@x.test", HitKind.Open, T0.AddMinutes(11), machine: true);
        await _f.HitAsync(Tenant, Campaign, "c@x.test", HitKind.Open, T0.AddMinutes(90));
        await _f.HitAsync(Tenant, Campaign, "e@x.test", HitKind.Open, T0.AddMinutes(50));
        await _f.HitAsync(Tenant, Campaign, "a@x.test", HitKind.Click, T0.AddMinutes(25), link: 0);
        await _f.HitAsync(Tenant, Campaign, "a@x.test", HitKind.Click, T0.AddMinutes(26), link: 0);
        await _f.HitAsync(Tenant, Campaign, "b@x.test", HitKind.Click, T0.AddMinutes(11), machine: true, link: 0);
        await _f.HitAsync(Tenant, Campaign, "c@x.test", HitKind.Click, T0.AddMinutes(95), link: 1);
        await _f.HitAsync(Tenant, Campaign, "d@x.test", HitKind.Click, T0.AddMinutes(100), link: 1);
        await _f.HitAsync(Tenant, Campaign, "e@x.test", HitKind.Unsubscribe, T0.AddMinutes(55));
        await _f.HitAsync(Tenant, Campaign, "e@x.test", HitKind.Unsubscribe, T0.AddMinutes(56));
        await _f.HitAsync(Tenant, "summer", "a@x.test", HitKind.Open, T0.AddDays(7).AddMinutes(5));
        await _f.HitAsync("other", Campaign, "x@x.test", HitKind.Open, T0.AddMinutes(20));

        _f.Bounce(Tenant, Campaign, "f@x.test", "soft", T0.AddMinutes(30));
        _f.Bounce(Tenant, Campaign, "g@x.test", "soft", T0.AddMinutes(35));
        _f.Bounce(Tenant, Campaign, "F@x.test", "hard", T0.AddMinutes(40));
        _f.Bounce(Tenant, Campaign, "g@x.test", "soft", T0.AddMinutes(70));
        _f.Complaint(Tenant, Campaign, "b@x.test", T0.AddMinutes(80));
        _f.Events.Add(Tenant, "message.bounced", """{"address":"h@x.test","type":"hard"}""", T0.AddMinutes(81));
        _f.Events.Add(Tenant, "message.sent", """{"address":"h@x.test","campaignId":"spring"}""", T0.AddMinutes(82));
        _f.Bounce("other", Campaign, "x@x.test", "hard", T0.AddMinutes(30));
        Assert.Equal(6, await _f.Notices.CatchUpAsync());
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task ReportCountsAsync_SeededSendLog_CountsEachStatusAndEverDeferred()
    {
        var counts = await _f.SendLog.ReportCountsAsync(Tenant, Campaign, null);

        Assert.Equal(new SendLogReportCountsView(12, 1, 0, 8, 1, 1, 1, 0, 2), View(counts));
    }

    [Fact]
    public async Task ReportSentPerHourAsync_SentInTwoHours_GroupsByTheHourTheRelayAccepted()
    {
        var hours = await _f.SendLog.ReportSentPerHourAsync(Tenant, Campaign, null);

        var first = T0.ToUnixTimeMilliseconds() / 3_600_000;
        Assert.Equal([(first, 7L), (first + 1, 1L)], hours);
    }

    [Fact]
    public async Task ReportCountsAsync_OpensClicksAndUnsubscribes_CountsRawHumanAndUniqueRecipients()
    {
        var counts = await _f.Hits.ReportCountsAsync(Tenant, Campaign, null);

        Assert.Equal(new ReportHits(6, 4, 4, 3), counts.Opens);
        Assert.Equal(new ReportHits(5, 4, 4, 3), counts.Clicks);
        Assert.Equal(1, counts.Unsubscribes);
        // a, c and e opened as humans; d clicked without the pixel loading; b was only a machine.
        Assert.Equal(4, counts.HumanEngaged);
    }

    [Fact]
    public async Task ReportLinksAsync_ClicksOnTwoLinks_CountsEachLinkWithItsTarget()
    {
        var links = await _f.Hits.ReportLinksAsync(Tenant, Campaign, null);

        Assert.Equal(
            [new ReportLink(0, "https://example.com/link-0", new ReportHits(3, 2, 2, 1)), new ReportLink(1, "https://example.com/link-1", new ReportHits(2, 2, 2, 2))],
            links);
    }

    [Fact]
    public async Task ReportHoursAsync_HitsInTwoHours_CountsEachKindPerHour()
    {
        var hours = await _f.Hits.ReportHoursAsync(Tenant, Campaign, null);

        var first = T0.ToUnixTimeMilliseconds() / 3_600_000;
        Assert.Equal([new(first, 5, 3, 3, 2, 2), new(first + 1, 1, 1, 2, 2, 0)], hours);
    }

    [Fact]
    public async Task ReportCountsAsync_BounceAndComplaintEvents_CountsHardOverSoftOncePerRecipient()
    {
        var counts = await _f.Notices.ReportCountsAsync(Tenant, Campaign, null);
        var hours = await _f.Notices.ReportHoursAsync(Tenant, Campaign, null);

        // f: soft then hard → hard; g: two soft → soft; the event without a campaign and the other tenant's are left out.
        Assert.Equal(new NoticeReportCounts(1, 1, 1), counts);
        var first = T0.ToUnixTimeMilliseconds() / 3_600_000;
        Assert.Equal([(first, 3L, 0L), (first + 1, 1L, 1L)], hours);
    }

    [Fact]
    public async Task CatchUpAsync_CalledAgainAfterNewEvents_StoresOnlyTheNewOnes()
    {
        Assert.Equal(0, await _f.Notices.CatchUpAsync());
        _f.Bounce(Tenant, Campaign, "h@x.test", "hard", T0.AddMinutes(90));

        Assert.Equal(1, await _f.Notices.CatchUpAsync());
        Assert.Equal(new NoticeReportCounts(2, 1, 1), await _f.Notices.ReportCountsAsync(Tenant, Campaign, null));
    }

    [Fact]
    public async Task ReportCountsAsync_MembersDatabase_CountsOnlyTheMembersInEveryStore()
    {
        var members = await _f.MembersAsync("a@x.test", "c@x.test", "f@x.test", "nobody@x.test");

        var send = await _f.SendLog.ReportCountsAsync(Tenant, Campaign, members);
        var hits = await _f.Hits.ReportCountsAsync(Tenant, Campaign, members);
        var links = await _f.Hits.ReportLinksAsync(Tenant, Campaign, members);
        var notices = await _f.Notices.ReportCountsAsync(Tenant, Campaign, members);

        Assert.Equal((3L, 3L), (send.Recipients, send.Sent));
        Assert.Equal(new ReportHits(4, 3, 2, 2), hits.Opens);
        Assert.Equal(new ReportHits(3, 3, 2, 2), hits.Clicks);
        Assert.Equal([0, 1], links.Select(l => l.Index));
        Assert.Equal(new NoticeReportCounts(1, 0, 0), notices);
    }

    [Fact]
    public async Task ReportCountsAsync_AllCampaignsOfAMember_CountsUniquesPerCampaignAndLeavesOtherTenantsOut()
    {
        var members = await _f.MembersAsync("a@x.test", "x@x.test");

        var send = await _f.SendLog.ReportCountsAsync(Tenant, null, members);
        var hits = await _f.Hits.ReportCountsAsync(Tenant, null, members);

        Assert.Equal(2, send.Sent);
        Assert.Equal(new ReportHits(3, 3, 2, 2), hits.Opens);
    }

    [Fact]
    public async Task ReportCountsAsync_OtherTenantsCampaignOfTheSameId_SeesOnlyItsOwnRecords()
    {
        var send = await _f.SendLog.ReportCountsAsync("other", Campaign, null);
        var hits = await _f.Hits.ReportCountsAsync("other", Campaign, null);
        var notices = await _f.Notices.ReportCountsAsync("other", Campaign, null);

        Assert.Equal((1L, 1L), (send.Recipients, send.Sent));
        Assert.Equal(new ReportHits(1, 1, 1, 1), hits.Opens);
        Assert.Equal(new NoticeReportCounts(1, 0, 0), notices);
    }

    [Fact]
    public async Task ReportCountsAsync_MissingMembersDatabase_ThrowsNamingTheFile()
    {
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => _f.SendLog.ReportCountsAsync(Tenant, Campaign, "/nonexistent/members.db"));

        Assert.Contains("/nonexistent/members.db", e.Message, StringComparison.Ordinal);
    }

    private static SendLogReportCountsView View(MailMesh.Campaigns.SendLog.SendLogReportCounts c) =>
        new(c.Recipients, c.Queued, c.Sending, c.Sent, c.Deferred, c.Failed, c.Suppressed, c.Cancelled, c.DeferredOnce);

    private sealed record SendLogReportCountsView(
        long Recipients, long Queued, long Sending, long Sent, long Deferred, long Failed, long Suppressed, long Cancelled, long DeferredOnce);
}

using MailMesh.Campaigns.SendLog;
using MailMesh.Engagement.Reports;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;
using Microsoft.Data.Sqlite;
using static MailMesh.Runtime.PostgreSql.Tests.Engagement.HitStoreContractTests;

namespace MailMesh.Runtime.PostgreSql.Tests.Engagement;

/// <summary>The report queries of the hit and notice stores, with the numbers worked out by hand: every backend must give
/// these answers, so a report reads the same on the embedded silo and on a cluster. One subclass per backend.</summary>
public abstract class EngagementReportContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly long Hour0 = T0.ToUnixTimeMilliseconds() / 3_600_000;

    private readonly List<string> _files = [];

    protected EngagementBackend Backend { get; private set; } = null!;

    protected abstract Task<EngagementBackend> CreateAsync();

    public async Task InitializeAsync() => Backend = await CreateAsync();

    public async Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in _files)
        {
            File.Delete(file);
        }

        if (Backend is not null)
        {
            await Backend.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task ReportQueries_OneCampaign_CountRawHumanAndUniqueHitsPerKindLinkAndHour()
    {
        await SeedHitsAsync(Backend.Hits);

        var counts = await Backend.Hits.ReportCountsAsync("acme", "c1", null);
        var links = await Backend.Hits.ReportLinksAsync("acme", "c1", null);
        var hours = await Backend.Hits.ReportHoursAsync("acme", "c1", null);

        Assert.Equal(new HitReportCounts(new ReportHits(4, 2, 3, 2), new ReportHits(3, 2, 2, 1), 1, 2), counts);
        Assert.Equal([new ReportLink(0, "https://example.com/0", new ReportHits(2, 1, 2, 1)), new ReportLink(1, "https://example.com/1", new ReportHits(1, 1, 1, 1))], links);
        Assert.Equal(
            [new HitReportHour(Hour0, 3, 1, 0, 0, 0), new HitReportHour(Hour0 + 1, 1, 1, 2, 2, 0), new HitReportHour(Hour0 + 2, 0, 0, 1, 0, 0), new HitReportHour(Hour0 + 3, 0, 0, 0, 0, 1)],
            hours);
    }

    [SkippableFact]
    public async Task ReportCountsAsync_WholeTenant_SumsUniquesPerCampaignAndLeavesOtherTenantsOut()
    {
        await SeedHitsAsync(Backend.Hits);

        var counts = await Backend.Hits.ReportCountsAsync("acme", null, null);

        Assert.Equal(new HitReportCounts(new ReportHits(5, 3, 4, 3), new ReportHits(3, 2, 2, 1), 1, 3), counts);
        Assert.Equal(new HitReportCounts(new ReportHits(0, 0, 0, 0), new ReportHits(0, 0, 0, 0), 0, 0), await Backend.Hits.ReportCountsAsync("nobody", null, null));
    }

    [SkippableFact]
    public async Task ReportQueries_SegmentMembers_CountOnlyTheMembersHits()
    {
        await SeedHitsAsync(Backend.Hits);
        var members = await MembersAsync("a@x.org", "c@x.org");

        var counts = await Backend.Hits.ReportCountsAsync("acme", "c1", members);
        var links = await Backend.Hits.ReportLinksAsync("acme", "c1", members);
        var hours = await Backend.Hits.ReportHoursAsync("acme", "c1", members);

        Assert.Equal(new HitReportCounts(new ReportHits(3, 2, 2, 2), new ReportHits(2, 2, 1, 1), 1, 2), counts);
        Assert.Equal([new ReportLink(0, "https://example.com/0", new ReportHits(1, 1, 1, 1)), new ReportLink(1, "https://example.com/1", new ReportHits(1, 1, 1, 1))], links);
        Assert.Equal([new HitReportHour(Hour0, 2, 1, 0, 0, 0), new HitReportHour(Hour0 + 1, 1, 1, 2, 2, 0), new HitReportHour(Hour0 + 3, 0, 0, 0, 0, 1)], hours);
    }

    [SkippableFact]
    public async Task ReportQueries_MembersDatabaseMissing_ThrowFileNotFound()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"members-{Guid.NewGuid():N}.db");

        await Assert.ThrowsAsync<FileNotFoundException>(() => Backend.Hits.ReportCountsAsync("acme", "c1", missing));
        await Assert.ThrowsAsync<FileNotFoundException>(() => Backend.Notices.ReportHoursAsync("acme", "c1", missing));
    }

    [SkippableFact]
    public async Task ReportCountsAsync_HitsStoredByTwoSilos_OneReportCountsBoth()
    {
        await using var second = await Backend.OpenSecondAsync();
        var first = await Backend.Hits.StoreForHandOverAsync([Hit(HitKind.Open, "a@x.org", T0), Hit(HitKind.Click, "a@x.org", T0, link: 1)], T0);
        var other = await second.Hits.StoreForHandOverAsync([Hit(HitKind.Open, "b@x.org", T0.AddMinutes(1)), Hit(HitKind.Open, "a@x.org", T0.AddHours(1))], T0);
        await Backend.Hits.CloseHandOverAsync(first, [], []);
        await second.Hits.CloseHandOverAsync(other, [], []);

        var seenByFirst = await Backend.Hits.ReportCountsAsync("acme", "c1", null);
        var seenBySecond = await second.Hits.ReportCountsAsync("acme", "c1", null);

        Assert.Equal(new HitReportCounts(new ReportHits(3, 3, 2, 2), new ReportHits(1, 1, 1, 1), 0, 2), seenByFirst);
        Assert.Equal(seenByFirst, seenBySecond);
        Assert.Equal([new HitReportHour(Hour0, 2, 2, 1, 1, 0), new HitReportHour(Hour0 + 1, 1, 1, 0, 0, 0)], await Backend.Hits.ReportHoursAsync("acme", "c1", null));
    }

    [SkippableFact]
    public async Task NoticeStore_CatchUp_StoresEachNoticeOnceAndCountsRecipientsPerCampaign()
    {
        await SeedNoticesAsync();

        Assert.Equal(7, await Backend.Notices.CatchUpAsync());
        Assert.Equal(0, await Backend.Notices.CatchUpAsync());

        Assert.Equal(new NoticeReportCounts(2, 1, 1), await Backend.Notices.ReportCountsAsync("acme", "c1", null));
        Assert.Equal(new NoticeReportCounts(2, 2, 1), await Backend.Notices.ReportCountsAsync("acme", null, null));
        Assert.Equal(new NoticeReportCounts(1, 1, 0), await Backend.Notices.ReportCountsAsync("acme", "c1", await MembersAsync("a@x.org", "b@x.org")));
        Assert.Equal([(Hour0 + 1, 2L, 0L), (Hour0 + 2, 2L, 0L), (Hour0 + 3, 1L, 1L)], await Backend.Notices.ReportHoursAsync("acme", "c1", null));
    }

    [SkippableFact]
    public async Task NoticeStore_TwoSilosCatchingUp_StoreEachNoticeOnce()
    {
        await using var second = await Backend.OpenSecondAsync();
        await SeedNoticesAsync();

        var stored = await Task.WhenAll(Backend.Notices.CatchUpAsync(), second.Notices.CatchUpAsync());
        await Backend.AppendAsync(Bounce("c1", "e@x.org", "hard", T0.AddHours(4)));
        stored = [.. stored, await second.Notices.CatchUpAsync(), await Backend.Notices.CatchUpAsync()];

        // A notice both silos read is stored by one of them.
        Assert.Equal(8, stored.Sum());
        Assert.Equal(new NoticeReportCounts(3, 1, 1), await Backend.Notices.ReportCountsAsync("acme", "c1", null));
        Assert.Equal(new NoticeReportCounts(3, 1, 1), await second.Notices.ReportCountsAsync("acme", "c1", null));
    }

    /// <summary>Campaign c1: a opens twice (once by a machine) and clicks links 0 and 1; b's open and click are a
    /// machine's; c opens an hour in and unsubscribes; d submits a form (not a report hit). Campaign c2: a opens. Tenant
    /// zeta: one open. Stored the writer's two ways: pending then marked, and by hand-over.</summary>
    private static async Task SeedHitsAsync(IHitStore store)
    {
        var aOpen = Hit(HitKind.Open, "a@x.org", T0);
        await store.InsertAsync([aOpen, Hit(HitKind.Open, "a@x.org", T0.AddMinutes(10), machine: true), Hit(HitKind.Open, "b@x.org", T0.AddMinutes(5))]);
        var pending = await store.PendingAsync(10);
        await store.MarkAsync([.. pending.Select(h => (h.Id, HitState.Applied, h.Machine || h.Contact == "b@x.org", h.Contact == "b@x.org" ? "prefetch" : h.Reason))]);
        var handOver = await store.StoreForHandOverAsync([
            Hit(HitKind.Click, "a@x.org", T0.AddHours(1), link: 0),
            Hit(HitKind.Click, "a@x.org", T0.AddHours(1).AddMinutes(5), link: 1),
            Hit(HitKind.Click, "b@x.org", T0.AddHours(2), link: 0, machine: true),
            Hit(HitKind.Open, "c@x.org", T0.AddHours(1)),
            Hit(HitKind.Unsubscribe, "c@x.org", T0.AddHours(3)),
            Hit(HitKind.Form, "d@x.org", T0),
            Hit(HitKind.Open, "a@x.org", T0.AddHours(1), campaign: "c2"),
            Hit(HitKind.Open, "a@x.org", T0, tenant: "zeta"),
        ], T0.AddHours(3));
        await store.CloseHandOverAsync(handOver, [], []);
    }

    /// <summary>Campaign c1: a bounces hard; b soft twice; c soft then hard; d complains. Campaign c2: a bounces soft. One
    /// bounce names no campaign (a provider notice not tied to a send): not a report notice.</summary>
    private async Task SeedNoticesAsync()
    {
        await Backend.AppendAsync(
            Bounce("c1", "a@x.org", "hard", T0.AddHours(1)), Bounce("c1", "B@x.org ", "soft", T0.AddHours(1)), Bounce("c1", "b@x.org", "soft", T0.AddHours(2)));
        await Backend.AppendAsync(
            Bounce("c1", "c@x.org", "soft", T0.AddHours(2)), Bounce("c1", "c@x.org", "hard", T0.AddHours(3)), Bounce("c2", "a@x.org", "soft", T0),
            Bounce("", "z@x.org", "hard", T0));
        await Backend.AppendAsync(new EventDraft(
            Guid.NewGuid(), "acme", "message.complained", "acme/d@x.org", T0.AddHours(3), """{"address":"d@x.org","campaignId":"c1","feedbackType":"abuse"}"""));
    }

    private static EventDraft Bounce(string campaign, string address, string type, DateTimeOffset at) =>
        new(Guid.NewGuid(), "acme", "message.bounced", "acme/" + address.Trim(), at,
            $$"""{"address":"{{address}}","campaignId":"{{campaign}}","type":"{{type}}","reason":"user_unknown"}""");

    /// <summary>A members database (as a segment report writes it) holding <paramref name="contacts"/>.</summary>
    private async Task<string> MembersAsync(params string[] contacts)
    {
        var path = Path.Combine(Path.GetTempPath(), $"members-{Guid.NewGuid():N}.db");
        _files.Add(path);
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = ReportMembers.Schema + "; INSERT INTO members (contact) SELECT value FROM json_each($c)";
        command.Parameters.AddWithValue("$c", System.Text.Json.JsonSerializer.Serialize(contacts));
        await command.ExecuteNonQueryAsync();
        return path;
    }
}

public sealed class SqliteEngagementReportContractTests : EngagementReportContractTests
{
    protected override Task<EngagementBackend> CreateAsync() => SqliteEngagementBackend.CreateAsync();
}

public sealed class PostgreSqlEngagementReportContractTests : EngagementReportContractTests
{
    protected override Task<EngagementBackend> CreateAsync() => PostgreSqlEngagementBackend.CreateAsync();
}

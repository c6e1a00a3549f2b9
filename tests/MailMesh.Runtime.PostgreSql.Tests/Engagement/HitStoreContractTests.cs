using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using MailMesh.Testing;

namespace MailMesh.Runtime.PostgreSql.Tests.Engagement;

/// <summary>What every hit store must do (the tracking writer and the engagement pass rely on it); one subclass per backend.</summary>
public abstract class HitStoreContractTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    protected EngagementBackend Backend { get; private set; } = null!;

    protected IHitStore Store => Backend.Hits;

    protected abstract Task<EngagementBackend> CreateAsync();

    public async Task InitializeAsync() => Backend = await CreateAsync();

    public async Task DisposeAsync()
    {
        if (Backend is not null)
        {
            await Backend.DisposeAsync();
        }
    }

    public static HitRecord Hit(
        HitKind kind, string contact, DateTimeOffset at, string campaign = "c1", int link = 0, bool machine = false, string tenant = "acme", Guid? id = null) =>
        new(id ?? Guid.NewGuid(), kind, tenant, campaign, contact, link, kind == HitKind.Click ? $"https://example.com/{link}" : null, at, at.AddDays(-1),
            "192.0.2.7", "Mozilla/5.0", machine, machine ? "proxy" : null);

    [SkippableFact]
    public async Task InsertAsync_SameIdsTwice_StoresEachOnceAndLeavesOnlyOpensAndClicksPending()
    {
        var open = Hit(HitKind.Open, "a@x.org", T0);
        var click = Hit(HitKind.Click, "a@x.org", T0.AddMinutes(1), link: 2);
        var unsubscribe = Hit(HitKind.Unsubscribe, "a@x.org", T0.AddMinutes(2));

        await Store.InsertAsync([click, open, unsubscribe]);
        await Store.InsertAsync([open, click with { Machine = true }]);

        Assert.Equal([open, click], await Store.PendingAsync(10));
        Assert.Equal(new HitCounts(1, 1, 1, 1), await Store.CountAsync("acme", "c1", HitKind.Click));
        Assert.Equal(new HitCounts(1, 1, 1, 1), await Store.CountAsync("acme", null, HitKind.Unsubscribe));
    }

    [SkippableFact]
    public async Task MarkAsync_PendingHits_RecordsStateAndClassification()
    {
        var a = Hit(HitKind.Open, "a@x.org", T0);
        var b = Hit(HitKind.Open, "b@x.org", T0.AddMinutes(1));
        await Store.InsertAsync([a, b]);

        await Store.MarkAsync([(a.Id, HitState.Applied, true, "prefetch"), (b.Id, HitState.Pending, false, null), (b.Id, HitState.UnknownContact, false, null)]);

        Assert.Empty(await Store.PendingAsync(10));
        Assert.Equal(new HitCounts(2, 1, 2, 1), await Store.CountAsync("acme", "c1", HitKind.Open));
    }

    [SkippableFact]
    public async Task StoreForHandOverAsync_ThenOpenHandOvers_ReturnsTheBatchInOrderUntilClosed()
    {
        var hits = Enumerable.Range(0, 5).Select(i => Hit(i % 2 == 0 ? HitKind.Open : HitKind.Click, $"c{i}@x.org", T0.AddSeconds(i), link: i)).ToList();

        var id = await Store.StoreForHandOverAsync(hits, T0);

        Assert.Empty(await Store.OpenHandOversAsync(T0.AddMilliseconds(-1), 10));
        var open = Assert.Single(await Store.OpenHandOversAsync(T0, 10));
        Assert.Equal(id, open.Id);
        Assert.Equal(hits, open.Hits);
        Assert.Empty(await Store.PendingAsync(10));

        var summary = Summary("active", T0);
        await Store.CloseHandOverAsync(id, [(hits[1].Id, HitState.Pending, false, null), (hits[3].Id, HitState.Applied, true, "burst")], [("acme", "c0@x.org", summary)]);

        Assert.Empty(await Store.OpenHandOversAsync(T0.AddHours(1), 10));
        Assert.Equal([hits[1]], await Store.PendingAsync(10));
        Assert.Equal(new HitCounts(2, 1, 2, 1), await Store.CountAsync("acme", "c1", HitKind.Click));
    }

    [SkippableFact]
    public async Task StoreForHandOverAsync_HitsStoredBefore_KeepsThemOnceAndListsThemInTheHandOver()
    {
        var first = Hit(HitKind.Open, "a@x.org", T0);
        var second = Hit(HitKind.Open, "b@x.org", T0.AddSeconds(1));
        await Store.StoreForHandOverAsync([first], T0);

        await Store.StoreForHandOverAsync([first, second, second], T0.AddSeconds(1));

        var handOvers = await Store.OpenHandOversAsync(T0.AddMinutes(1), 10);
        Assert.Equal(2, handOvers.Count);
        Assert.Equal([first], handOvers[0].Hits);
        Assert.Equal([first, second, second], handOvers[1].Hits);
        Assert.Equal(new HitCounts(2, 2, 2, 2), await Store.CountAsync("acme", "c1", HitKind.Open));
    }

    [SkippableFact]
    public async Task DueForRescoreAsync_StatusesChangingWithTime_FindsThoseWhoseWindowPassed()
    {
        var now = T0.AddDays(100);
        await Store.UpsertContactsAsync([
            ("acme", "stale-active@x.org", Summary("active", now.AddDays(-40))),
            ("acme", "fresh-active@x.org", Summary("active", now.AddDays(-1))),
            ("acme", "old-new@x.org", Summary("new", null, firstSeen: now.AddDays(-20))),
            ("acme", "dormant@x.org", Summary("dormant", now.AddDays(-400))),
            ("acme", "fresh-active@x.org", Summary("active", now.AddDays(-2))),
        ]);

        var due = await Store.DueForRescoreAsync(now, TimeSpan.FromDays(30), TimeSpan.FromDays(14), TimeSpan.FromDays(180), 10);

        Assert.Equal(["old-new@x.org", "stale-active@x.org"], due.Select(d => d.Contact).Order(StringComparer.Ordinal));
    }

    [SkippableFact]
    public async Task CloseHandOverAsync_ContactReachedTwice_KeepsTheLastStatus()
    {
        var id = await Store.StoreForHandOverAsync([Hit(HitKind.Open, "a@x.org", T0)], T0);
        var now = T0.AddDays(100);

        await Store.CloseHandOverAsync(id, [], [("acme", "a@x.org", Summary("active", now.AddDays(-40))), ("acme", "a@x.org", Summary("active", now.AddDays(-1)))]);

        Assert.Empty(await Store.DueForRescoreAsync(now, TimeSpan.FromDays(30), TimeSpan.FromDays(14), TimeSpan.FromDays(180), 10));
    }

    [SkippableFact]
    public async Task OpenHandOversAsync_HandOverLeftBySecondStore_IsFoundByTheFirst()
    {
        await using var second = await Backend.OpenSecondAsync();
        var hit = Hit(HitKind.Click, "a@x.org", T0);
        var id = await second.Hits.StoreForHandOverAsync([hit], T0);

        var open = Assert.Single(await Store.OpenHandOversAsync(T0.AddMinutes(1), 10));

        Assert.Equal((id, hit), (open.Id, Assert.Single(open.Hits)));
    }

    [SkippableFact]
    public async Task MergeHandOversAsync_OpenHandOvers_ReplacesThemByOneNewIdOpenedWhenTheOldestWas()
    {
        HitRecord[] first = [Hit(HitKind.Open, "a@x.org", T0), Hit(HitKind.Click, "b@x.org", T0.AddSeconds(1), link: 1)];
        HitRecord[] second = [Hit(HitKind.Open, "a@x.org", T0.AddSeconds(2))];
        var a = await Store.StoreForHandOverAsync(first, T0);
        var b = await Store.StoreForHandOverAsync(second, T0.AddMinutes(1));

        var merged = await Store.MergeHandOversAsync([a, b], [.. first, .. second], T0.AddMinutes(2));

        Assert.True(merged != a && merged != b, $"the merged hand-over reused the id of a part ({a}, {b}): {merged}");
        var open = Assert.Single(await Store.OpenHandOversAsync(T0, 10));
        Assert.Equal(merged, open.Id);
        Assert.Equal([.. first, .. second], open.Hits);
        var later = await Store.StoreForHandOverAsync([Hit(HitKind.Open, "c@x.org", T0.AddMinutes(3))], T0.AddMinutes(3));
        Assert.True(later != a && later != b && later != merged, $"hand-over {later} reused an id given before ({a}, {b}, {merged})");

        await Store.CloseHandOverAsync(merged, [(second[0].Id, HitState.Pending, false, null)], []);

        Assert.Equal(later, Assert.Single(await Store.OpenHandOversAsync(T0.AddHours(1), 10)).Id);
        Assert.Equal([second[0]], await Store.PendingAsync(10));
    }

    protected static EngagementSummary Summary(string status, DateTimeOffset? lastOpen, DateTimeOffset? firstSeen = null) =>
        new(lastOpen, null, 1, 0, 1, 0, 1, 0, 1, 0, 1.0, status, firstSeen ?? lastOpen ?? T0);
}

public sealed class SqliteHitStoreContractTests : HitStoreContractTests
{
    protected override Task<EngagementBackend> CreateAsync() => SqliteEngagementBackend.CreateAsync();
}

public sealed class PostgreSqlHitStoreContractTests : HitStoreContractTests
{
    protected override Task<EngagementBackend> CreateAsync() => PostgreSqlEngagementBackend.CreateAsync();
}

using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Engagement.Tests.Tracking;

/// <summary>While the writer is behind, batches from memory are stored one by one (a crash loses at most the one being
/// stored) and handed over together under one merged hand-over, so a contact's hits of several batches share a grain turn.</summary>
public sealed class HandOverGroupingTests
{
    private static readonly Dictionary<string, string?> SmallBatches = new() { ["Tracking:BatchSize"] = "4", ["Tracking:SpillBatchSize"] = "12" };

    private static HitRecord Hit(DateTimeOffset now, int i) =>
        new(Guid.CreateVersion7(now.AddMilliseconds(i)), i % 3 == 0 ? HitKind.Click : HitKind.Open, "acme", "spring", i % 2 == 0 ? "jane@example.com" : "joe@example.com",
            0, i % 3 == 0 ? "https://shop.example.com/" : null, now.AddMilliseconds(i), now.AddHours(-1), "192.0.2.10", TrackingSilo.Browser, false, null);

    private static async Task<(TrackingSilo Silo, ObservedHitStore Store)> StartAsync()
    {
        var observed = (ObservedHitStore?)null;
        var silo = await TrackingSilo.StartAsync(SmallBatches, listen: false,
            services: s => s.AddSingleton<IHitStore>(sp => observed = new ObservedHitStore(sp.GetRequiredService<HitStore>())));
        await silo.CreateContactAsync();
        await silo.CreateContactAsync("joe@example.com");
        return (silo, observed!);
    }

    /// <summary>Queues <paramref name="count"/> hits before the writer starts, so that it finds a backlog.</summary>
    private static async Task QueueBacklogAndStartAsync(TrackingSilo silo, int count)
    {
        var now = silo.Time.GetUtcNow();
        for (var i = 0; i < count; i++)
        {
            Assert.True(silo.Queue.TryEnqueue(Hit(now, i)));
        }

        await silo.Listener.StartAsync();
        await silo.DrainAsync();
    }

    [Fact]
    public async Task Writer_BacklogOfFullBatches_StoresEachAndHandsThemOverAsOne()
    {
        var (silo, store) = await StartAsync();
        await using var _ = silo;

        await QueueBacklogAndStartAsync(silo, 14);

        // Three full batches up to Tracking:SpillBatchSize, then the short one that caught up.
        Assert.Equal([4, 4, 4, 2], store.Stored);
        var merged = Assert.Single(store.Merged);
        Assert.Equal(3, merged.Count);
        Assert.Equal(2, store.Closed.Count);
        Assert.True(store.Closed[0] > merged.Max(), $"merged hand-over {store.Closed[0]} reuses an id of its parts {string.Join(", ", merged)}");
        await silo.AssertEveryHitCountedOnceAsync(14);
    }

    [Fact]
    public async Task Writer_MergeFails_HandsEachStoredBatchOverOnItsOwn()
    {
        var (silo, store) = await StartAsync();
        await using var _ = silo;
        store.FailMerges = true;

        await QueueBacklogAndStartAsync(silo, 14);

        var merged = Assert.Single(store.Merged);
        Assert.Equal([.. merged, store.Closed[^1]], store.Closed);
        await silo.AssertEveryHitCountedOnceAsync(14);
    }

    [Fact]
    public async Task Writer_ShortBatches_AreHandedOverAsStored()
    {
        var (silo, store) = await StartAsync();
        await using var _ = silo;
        await silo.Listener.StartAsync();
        var now = silo.Time.GetUtcNow();

        for (var i = 0; i < 6; i += 3)
        {
            for (var j = i; j < i + 3; j++)
            {
                Assert.True(silo.Queue.TryEnqueue(Hit(now, j)));
            }

            await silo.DrainAsync();
        }

        Assert.Empty(store.Merged);
        Assert.Equal(store.Stored.Count, store.Closed.Count);
        await silo.AssertEveryHitCountedOnceAsync(6);
    }

    [Fact]
    public async Task MergeHandOvers_OpenHandOvers_OneListsAllTheirHitsOpenedWhenTheOldestWas()
    {
        await using var silo = await TrackingSilo.StartAsync(listen: false);
        await silo.Store.InitializeAsync();
        var opened = silo.Time.GetUtcNow();
        HitRecord[] first = [Hit(opened, 0), Hit(opened, 1)];
        HitRecord[] second = [Hit(opened, 2)];
        var a = await silo.Store.StoreForHandOverAsync(first, opened);
        var b = await silo.Store.StoreForHandOverAsync(second, opened.AddMinutes(1));

        var merged = await silo.Store.MergeHandOversAsync([a, b], [.. first, .. second], opened.AddMinutes(2));

        Assert.True(merged > b, $"merged hand-over {merged} after its parts {a} and {b}");
        var open = Assert.Single(await silo.Store.OpenHandOversAsync(opened, 10));
        Assert.Equal(merged, open.Id);
        Assert.Equal([.. first.Select(h => h.Id), .. second.Select(h => h.Id)], open.Hits.Select(h => h.Id));
        Assert.Single(await silo.Store.OpenHandOversAsync(opened.AddMinutes(5), 10));
    }
}

using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace MailMesh.Engagement.Tests.Tracking;

/// <summary>While hits arrive faster than <c>Tracking:Writer:YieldAbove</c> the writer stores nothing and leaves the cores to
/// the endpoints; it catches up when arrivals slow down or its yield limit passes, resumes at once when the queue could
/// refuse hits, and counts every hit once. Time is a fake clock: a window of arrivals is the hits queued before the test
/// advances it by <see cref="TrackingWriter.YieldWindow"/>.</summary>
public sealed class WriterYieldTests
{
    // 100 hits/s: 10 hits in one 100 ms window are a burst; a yield lasts at most ten windows.
    private const int Burst = 20;

    private static HitRecord Hit(DateTimeOffset now, int i) =>
        new(Guid.CreateVersion7(now.AddMilliseconds(i)), i % 3 == 0 ? HitKind.Click : HitKind.Open, "acme", "spring", i % 2 == 0 ? "jane@example.com" : "joe@example.com",
            0, i % 3 == 0 ? "https://shop.example.com/" : null, now.AddMilliseconds(i), now.AddHours(-1), "192.0.2.10", TrackingSilo.Browser, false, null);

    private static async Task<(TrackingSilo Silo, ObservedHitStore Store, FakeTimeProvider Time)> StartAsync(params (string Key, string Value)[] extra)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = new Dictionary<string, string?>
        {
            ["Tracking:Writer:YieldAbove"] = "100",
            ["Tracking:Writer:YieldLimit"] = "00:00:01",
            ["Tracking:BatchSize"] = "8",
            ["Tracking:SpillBatchSize"] = "32",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var observed = (ObservedHitStore?)null;
        var silo = await TrackingSilo.StartAsync(settings, time, listen: false,
            services: s => s.AddSingleton<IHitStore>(sp => observed = new ObservedHitStore(sp.GetRequiredService<HitStore>())));
        await silo.CreateContactAsync();
        await silo.CreateContactAsync("joe@example.com");
        return (silo, observed!, time);
    }

    /// <summary>Queues hits <paramref name="from"/> to <paramref name="to"/> (exclusive) through the endpoints' path: memory,
    /// then the spill journal.</summary>
    private static async Task ArriveAsync(TrackingSilo silo, int from, int to)
    {
        var now = silo.Time.GetUtcNow();
        for (var i = from; i < to; i++)
        {
            Assert.True(await silo.Queue.EnqueueAsync(Hit(now, i)), $"hit {i} was refused");
        }
    }

    /// <summary>Ends a window of arrivals and waits until the writer has looked at it.</summary>
    private static async Task NextWindowAsync(TrackingSilo silo, FakeTimeProvider time)
    {
        var step = silo.Writer.NextStep;
        time.Advance(TrackingWriter.YieldWindow);
        await WaitAsync(step, "take its next step after a window of arrivals");
    }

    private static async Task WaitAsync(Task task, string what)
    {
        try
        {
            await task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The tracking writer did not {what} within 30 s.");
        }
    }

    private static async Task WaitYieldingAsync(TrackingSilo silo)
    {
        while (!silo.Writer.IsYielding)
        {
            var step = silo.Writer.NextStep;
            if (silo.Writer.IsYielding)
            {
                break;
            }

            await WaitAsync(step, "start yielding to a burst");
        }
    }

    [Fact]
    public async Task Writer_HitsArriveFast_StoresNothingUntilArrivalsSlowThenCountsEveryHit()
    {
        var (silo, store, time) = await StartAsync();
        await using var _ = silo;
        await ArriveAsync(silo, 0, Burst);
        await silo.Listener.StartAsync();
        await WaitYieldingAsync(silo);

        for (var window = 1; window < 6; window++)
        {
            await ArriveAsync(silo, window * Burst, (window + 1) * Burst);
            await NextWindowAsync(silo, time);
            Assert.True(silo.Writer.IsYielding, $"the writer stopped yielding in window {window} while hits still arrived fast");
            Assert.Empty(store.Stored);
        }

        // Windows without arrivals: the burst is over.
        for (var window = 1; window < TrackingWriter.QuietWindows; window++)
        {
            await NextWindowAsync(silo, time);
            Assert.True(silo.Writer.IsYielding, $"the writer stopped yielding after {window} quiet windows of {TrackingWriter.QuietWindows}");
        }

        await NextWindowAsync(silo, time);
        await silo.DrainAsync();

        Assert.False(silo.Writer.IsYielding);
        Assert.Equal(6 * Burst, store.Stored.Sum());
        await silo.AssertEveryHitCountedOnceAsync(6 * Burst);
    }

    [Fact]
    public async Task Writer_BurstOutlastsTheYieldLimit_CatchesUpWhileHitsStillArrive()
    {
        var (silo, store, time) = await StartAsync();
        await using var _ = silo;
        await ArriveAsync(silo, 0, Burst);
        await silo.Listener.StartAsync();
        await WaitYieldingAsync(silo);

        // Ten windows of arrivals: one second, the yield limit.
        for (var window = 1; window <= 10; window++)
        {
            Assert.Empty(store.Stored);
            await ArriveAsync(silo, window * Burst, (window + 1) * Burst);
            await NextWindowAsync(silo, time);
        }

        // No further window passes: a writer that went on yielding would never store these.
        await silo.DrainAsync();

        Assert.False(silo.Writer.IsYielding);
        await silo.AssertEveryHitCountedOnceAsync(11 * Burst);
    }

    [Fact]
    public async Task Writer_MemoryQueueFullWhileYielding_BurstGoesToTheSpillJournalAndIsCountedOnce()
    {
        var (silo, store, time) = await StartAsync(("Tracking:QueueCapacity", "16"));
        await using var _ = silo;
        await ArriveAsync(silo, 0, Burst);
        await silo.Listener.StartAsync();
        await WaitYieldingAsync(silo);

        for (var window = 1; window < 4; window++)
        {
            await ArriveAsync(silo, window * Burst, (window + 1) * Burst);
            await NextWindowAsync(silo, time);
            Assert.Empty(store.Stored);
        }

        for (var window = 0; window < TrackingWriter.QuietWindows; window++)
        {
            await NextWindowAsync(silo, time);
        }

        await silo.DrainAsync();

        Assert.Equal(4 * Burst - 16, silo.Queue.Spilled);
        await silo.AssertEveryHitCountedOnceAsync(4 * Burst);
    }

    [Theory]
    [InlineData("Tracking:Writer:YieldWhileSpilling", "false")]
    [InlineData("Tracking:SpillLimitBytes", "0")]
    public async Task Writer_BurstFillsTheQueueAndNoJournalMayTakeMore_DoesNotYield(string key, string value)
    {
        var (silo, store, _) = await StartAsync(("Tracking:QueueCapacity", "16"), (key, value));
        await using var __ = silo;
        await ArriveAsync(silo, 0, 16);

        await silo.Listener.StartAsync();
        // No window passes: only a writer that did not yield stores these.
        await silo.DrainAsync();

        Assert.Equal(16, store.Stored.Sum());
        await silo.AssertEveryHitCountedOnceAsync(16);
    }

    [Fact]
    public async Task Writer_HitsTrickleIn_StoresThemWithoutWaiting()
    {
        var (silo, store, _) = await StartAsync();
        await using var __ = silo;
        await silo.Listener.StartAsync();

        // Fewer than 10 hits in a window: no burst.
        for (var i = 0; i < 3; i++)
        {
            await ArriveAsync(silo, i * 3, (i + 1) * 3);
            await silo.DrainAsync();
        }

        Assert.Equal(9, store.Stored.Sum());
        await silo.AssertEveryHitCountedOnceAsync(9);
    }
}

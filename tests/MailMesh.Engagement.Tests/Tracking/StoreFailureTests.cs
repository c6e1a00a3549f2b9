using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Engagement.Tests.Tracking;

/// <summary>A batch the hit store refuses for good goes back to the spill journal and is stored from there, so a hit is
/// never counted by a grain without its raw row (which the reports read).</summary>
public sealed class StoreFailureTests : IDisposable
{
    private readonly string _spillDirectory = Path.Combine(Path.GetTempPath(), "mailmesh-store-failure-tests", Guid.NewGuid().ToString("N"));

    private static HitRecord Hit(DateTimeOffset now, int i) =>
        new(Guid.CreateVersion7(now.AddMilliseconds(i)), HitKind.Open, "acme", "spring", "jane@example.com", 0, null, now.AddMilliseconds(i), now.AddHours(-1),
            "192.0.2.10", TrackingSilo.Browser, false, null);

    [Fact]
    public async Task Writer_StoreFailsEveryAttemptOfABatch_BatchIsSpilledAndStoredLaterWithItsEvents()
    {
        var failing = (FailingHitStore?)null;
        await using var silo = await TrackingSilo.StartAsync(
            new Dictionary<string, string?> { ["Tracking:BatchSize"] = "8", ["Tracking:SpillDirectory"] = _spillDirectory },
            listen: false,
            services: s => s.AddSingleton<IHitStore>(sp => failing = new FailingHitStore(sp.GetRequiredService<HitStore>())));
        await silo.CreateContactAsync();
        await silo.Listener.StartAsync();
        failing!.FailNext(TrackingWriter.StoreAttempts);

        var hits = Enumerable.Range(0, 6).Select(i => Hit(silo.Time.GetUtcNow(), i)).ToList();
        foreach (var hit in hits)
        {
            Assert.True(silo.Queue.TryEnqueue(hit));
        }

        await silo.DrainAsync();

        Assert.Equal(0, failing.FailuresLeft);
        Assert.Equal(0, silo.Queue.Spill.Hits);
        var stored = await silo.Store.CountAsync("acme", "spring", HitKind.Open);
        var events = await silo.EventsAsync("acme", "message.opened");
        var counted = await silo.Grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact("acme", "jane@example.com")).Get();
        Assert.Equal((6L, 6, 6L), (stored.Raw, events.Count, counted!.HumanOpens));
    }

    public void Dispose()
    {
        if (Directory.Exists(_spillDirectory))
        {
            Directory.Delete(_spillDirectory, recursive: true);
        }
    }

    /// <summary>The real SQLite hit store, whose batch store fails with an <see cref="IOException"/> the next N times it is
    /// called: a disk or database outage a real file will not produce on demand.</summary>
    private sealed class FailingHitStore(HitStore inner) : ForwardingHitStore(inner)
    {
        private readonly Lock _gate = new();
        private int _failuresLeft;

        public int FailuresLeft
        {
            get
            {
                lock (_gate)
                {
                    return _failuresLeft;
                }
            }
        }

        public void FailNext(int times)
        {
            lock (_gate)
            {
                _failuresLeft = times;
            }
        }

        public override Task<long> StoreForHandOverAsync(IReadOnlyList<HitRecord> hits, DateTimeOffset now, CancellationToken cancellationToken = default)
        {
            lock (_gate)
            {
                if (_failuresLeft > 0)
                {
                    _failuresLeft--;
                    throw new IOException("disk I/O error (the store is failing on purpose)");
                }
            }

            return base.StoreForHandOverAsync(hits, now, cancellationToken);
        }
    }
}

using System.Diagnostics.Metrics;
using System.Net;
using MailMesh.Campaigns.Links;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailMesh.Engagement.Tests.Tracking;

/// <summary>The spill journal behind the memory queue: what overflows is stored by the writer, survives a restart, a torn
/// tail is skipped, and only a full journal refuses a hit (503).</summary>
public sealed class SpillTests : IDisposable
{
    private readonly string _spillDirectory = Path.Combine(Path.GetTempPath(), "mailmesh-spill-tests", Guid.NewGuid().ToString("N"));

    private Dictionary<string, string?> Settings(long limit = 1L << 30) => new()
    {
        ["Tracking:QueueCapacity"] = "16",
        ["Tracking:BatchSize"] = "4",
        ["Tracking:SpillDirectory"] = _spillDirectory,
        ["Tracking:SpillLimitBytes"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static HitRecord Hit(DateTimeOffset now, int i) =>
        new(Guid.CreateVersion7(now), i % 3 == 0 ? HitKind.Click : HitKind.Open, "acme", "spring", "jane@example.com", i % 4, i % 3 == 0 ? "https://shop.example.com/é" : null,
            now, now.AddHours(-1), i % 2 == 0 ? "192.0.2.10" : null, TrackingSilo.Browser, i % 5 == 0, i % 5 == 0 ? "proxy" : null);

    [Fact]
    public async Task Writer_HitsBeyondTheMemoryQueue_AreSpilledThenStoredAndCountedOnce()
    {
        await using var silo = await TrackingSilo.StartAsync(Settings(), listen: false);
        await silo.CreateContactAsync();
        var hits = Enumerable.Range(0, 100).Select(i => Hit(silo.Time.GetUtcNow(), i)).ToList();

        var accepted = await Task.WhenAll(hits.Select(h => silo.Queue.EnqueueAsync(h).AsTask()));
        Assert.All(accepted, Assert.True);
        Assert.Equal((100, 84, 0), (silo.Queue.Enqueued, silo.Queue.Spilled, silo.Queue.Refused));
        Assert.Equal(84, silo.Queue.Spill.Hits);

        await silo.Listener.StartAsync();
        await silo.DrainAsync();

        Assert.Equal(0, silo.Queue.Spill.Hits);
        Assert.Equal(0, silo.Queue.Spill.Bytes);
        var opens = await silo.Store.CountAsync("acme", "spring", HitKind.Open);
        var clicks = await silo.Store.CountAsync("acme", "spring", HitKind.Click);
        Assert.Equal((66, 34), (opens.Raw, clicks.Raw));
        Assert.Equal(66, (await silo.EventsAsync("acme", "message.opened")).Count);
        Assert.Equal(34, (await silo.EventsAsync("acme", "message.clicked")).Count);
    }

    [Fact]
    public async Task Start_SpillLeftByAnEarlierRun_IsReplayedAndDeletedOnceStored()
    {
        List<HitRecord> spilled;
        await using (var first = await TrackingSilo.StartAsync(Settings(), listen: false))
        {
            var hits = Enumerable.Range(0, 50).Select(i => Hit(first.Time.GetUtcNow(), i)).ToList();
            foreach (var hit in hits)
            {
                Assert.True(await first.Queue.EnqueueAsync(hit));
            }

            // The process stops without its writer having run: the 16 hits in memory are gone, the spilled ones are on disk.
            spilled = hits[16..];
        }

        Assert.NotEmpty(Directory.GetFiles(_spillDirectory, "*.spill"));
        await using var second = await TrackingSilo.StartAsync(Settings(), listen: false);
        await second.CreateContactAsync();
        await second.Listener.StartAsync();
        await second.DrainAsync();

        var events = await second.EventsAsync("acme", "message.");
        Assert.Equal(spilled.Count, events.Count);
        Assert.Equal(spilled.Count(h => h.Kind == HitKind.Click), (await second.Store.CountAsync("acme", "spring", HitKind.Click)).Raw);
        await second.StopListenerAsync();
        Assert.Empty(Directory.GetFiles(_spillDirectory, "*.spill"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Open_SegmentEndingInATornOrCorruptRecord_ReadsTheWholeRecordsAndSkipsTheTail(bool flipByte)
    {
        var options = Options.Create(new TrackingListenerOptions { SpillDirectory = _spillDirectory });
        var now = DateTimeOffset.UtcNow;
        var hits = Enumerable.Range(0, 10).Select(i => Hit(now, i)).ToList();
        await using (var spill = new TrackingSpill(options, NullLogger<TrackingSpill>.Instance))
        {
            foreach (var hit in hits)
            {
                Assert.Equal(SpillOutcome.Written, await spill.AppendAsync(hit));
            }
        }

        var segment = Assert.Single(Directory.GetFiles(_spillDirectory, "*.spill"));
        var bytes = File.ReadAllBytes(segment);
        var last = SpillRecord.SizeOf(hits[^1]);
        if (flipByte)
        {
            bytes[^(last / 2)] ^= 0x40;
        }
        else
        {
            // A write cut by a crash: the last record is half on disk.
            Array.Resize(ref bytes, bytes.Length - (last / 2));
        }

        File.WriteAllBytes(segment, bytes);
        long corrupt = 0;
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "mailmesh.tracking.spill.corrupt")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref corrupt, value));
        meters.Start();

        await using var reopened = new TrackingSpill(options, NullLogger<TrackingSpill>.Instance);
        reopened.Open();
        var later = Hit(now, 10);
        Assert.Equal(SpillOutcome.Written, await reopened.AppendAsync(later));
        var read = new List<HitRecord>();
        reopened.Read(read, 100);

        Assert.Equal([.. hits[..9], later], read);
        Assert.Equal(flipByte ? last : last - (last / 2), Interlocked.Read(ref corrupt));
        reopened.Commit();
        Assert.Equal(0, reopened.Hits);
    }

    [Fact]
    public async Task Read_SegmentDamagedAfterItWasOpened_SkipsTheRestAndCountsNothingLeft()
    {
        var options = Options.Create(new TrackingListenerOptions { SpillDirectory = _spillDirectory });
        var now = DateTimeOffset.UtcNow;
        var hits = Enumerable.Range(0, 10).Select(i => Hit(now, i)).ToList();
        await using (var spill = new TrackingSpill(options, NullLogger<TrackingSpill>.Instance))
        {
            foreach (var hit in hits)
            {
                Assert.Equal(SpillOutcome.Written, await spill.AppendAsync(hit));
            }
        }

        await using var reopened = new TrackingSpill(options, NullLogger<TrackingSpill>.Instance);
        reopened.Open();
        Assert.Equal(10, reopened.Hits);
        // The disk changes the fifth record after the opening scan checked it.
        var segment = Assert.Single(Directory.GetFiles(_spillDirectory, "*.spill"));
        var fifth = 8 + hits.Take(4).Sum(SpillRecord.SizeOf) + 20;
        await using (var file = new FileStream(segment, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            file.Position = fifth;
            var b = file.ReadByte();
            file.Position = fifth;
            file.WriteByte((byte)(b ^ 0x40));
        }

        var read = new List<HitRecord>();
        reopened.Read(read, 100);
        reopened.Commit();

        Assert.Equal(hits[..4], read);
        Assert.Equal((0, 0), (reopened.Hits, reopened.Bytes));
    }

    [Fact]
    public async Task Open_OverTheSpillLimit_AnswersServiceUnavailableWithRetryAfterAndCountsEveryAcceptedHit()
    {
        // Room for the 16 hits in memory and a few spilled ones.
        await using var silo = await TrackingSilo.StartAsync(Settings(limit: 2_000), listen: false);
        await silo.CreateContactAsync();
        await using var server = await TrackingServer.StartAsync(silo.Silo.Services, "http://127.0.0.1:0");
        using var http = new HttpClient { BaseAddress = server.Address };
        http.DefaultRequestHeaders.UserAgent.ParseAdd(TrackingSilo.Browser);
        var path = $"/o/{silo.Token(TrackingKind.Open)}.gif";

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
        {
            using var response = await http.GetAsync(path);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
                Assert.Equal("image/gif", response.Content.Headers.ContentType?.MediaType);
            }
        }

        var ok = statuses.TakeWhile(s => s == HttpStatusCode.OK).Count();
        Assert.InRange(ok, 17, 39);
        Assert.All(statuses.Skip(ok), s => Assert.Equal(HttpStatusCode.ServiceUnavailable, s));
        Assert.Equal((ok, ok - 16, 40 - ok), (silo.Queue.Enqueued, silo.Queue.Spilled, silo.Queue.Refused));
        Assert.True(silo.Queue.Spill.Bytes <= 2_000);

        await silo.Listener.StartAsync();
        await silo.DrainAsync();
        Assert.Equal(ok, (await silo.Store.CountAsync("acme", "spring", HitKind.Open)).Raw);
        Assert.Equal(ok, (await silo.EventsAsync("acme", "message.opened")).Count);
    }

    public void Dispose()
    {
        if (Directory.Exists(_spillDirectory))
        {
            Directory.Delete(_spillDirectory, recursive: true);
        }
    }
}

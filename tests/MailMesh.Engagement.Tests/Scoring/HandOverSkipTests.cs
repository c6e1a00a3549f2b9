using System.Text.Json;
using MailMesh.Engagement.Scoring;
using MailMesh.Engagement.Tests.Tracking;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Scoring;

/// <summary>A hand-over that a grain counted is skipped whole when it is handed over again, even when it held more of the
/// contact's hits than the grain remembers ids of.</summary>
public sealed class HandOverSkipTests
{
    [Fact]
    public async Task Redrive_HandOverOfMoreHitsThanTheRememberedIds_CountsEachOnce()
    {
        await using var silo = await TrackingSilo.StartAsync();
        await silo.CreateContactAsync();
        var now = silo.Time.GetUtcNow();
        var count = ContactEngagementState.MaxRecentIds + 100;
        var rows = Enumerable.Range(0, count)
            .Select(i => new HitRecord(Guid.CreateVersion7(now.AddMilliseconds(i)), HitKind.Open, "acme", "spring", "jane@example.com", 0, null,
                now.AddMilliseconds(i), now.AddHours(-1), "192.0.2.10", TrackingSilo.Browser, false, null))
            .ToArray();
        // The writer stored the batch and the grain counted it; the process died before the hand-over was closed.
        var handOver = await silo.Store.StoreForHandOverAsync(rows, now);
        var grain = silo.Grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact("acme", "jane@example.com"));
        await grain.Record(new TrackedHits([.. rows.Select(r => r.ToTracked())]) { HandOver = handOver });

        await silo.Writer.RedriveAsync(TimeSpan.Zero);

        Assert.Empty(await silo.Store.OpenHandOversAsync(silo.Time.GetUtcNow(), 10));
        Assert.Equal((long)count, (await grain.Get())!.RawOpens);
        Assert.Equal(count, (await silo.ContactAsync())!.Engagement.Opens);
        Assert.Equal(count, (await silo.EventsAsync("acme", "message.opened")).Count);
    }

    [Fact]
    public async Task StoreForHandOver_AfterTheLastHandOverClosed_GivesANewId()
    {
        await using var silo = await TrackingSilo.StartAsync();
        var now = silo.Time.GetUtcNow();
        HitRecord Row() => new(Guid.CreateVersion7(now), HitKind.Open, "acme", "spring", "jane@example.com", 0, null, now, now.AddHours(-1), null, null, true, "bot-agent");

        var first = await silo.Store.StoreForHandOverAsync([Row()], now);
        await silo.Store.CloseHandOverAsync(first, [], []);
        var second = await silo.Store.StoreForHandOverAsync([Row()], now);

        Assert.True(second > first, $"hand-over {second} after {first}: a grain that counted {first} would skip {second}");
    }

    [Fact]
    public void Json_RoundTrip_KeepsTheHandOver()
    {
        var at = new DateTimeOffset(2026, 11, 24, 2, 0, 0, TimeSpan.Zero);
        var hits = new TrackedHits([new TrackedHit(Guid.CreateVersion7(at), HitKind.Open, "spring", 0, at, at.AddHours(-1), false, null)]) { HandOver = 42 };
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General);

        var copy = JsonSerializer.Deserialize<TrackedHits>(JsonSerializer.SerializeToUtf8Bytes(hits, options), options);

        Assert.Equal(42, copy!.HandOver);
        Assert.Equal(hits.Items.ToArray(), copy.Items.ToArray());
    }

    [Fact]
    public async Task Record_OtherHandOverWithTheSameHits_SkipsThemById()
    {
        await using var silo = await TrackingSilo.StartAsync(listen: false);
        await silo.CreateContactAsync();
        var at = silo.Time.GetUtcNow();
        var hit = new TrackedHit(Guid.CreateVersion7(at), HitKind.Open, "spring", 0, at, at.AddHours(-1), false, null);
        var grain = silo.Grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact("acme", "jane@example.com"));

        var first = await grain.Record(new TrackedHits([hit]) { HandOver = 7 });
        // A hit spilled again after a crash comes back in a later batch, under another hand-over.
        var again = await grain.Record(new TrackedHits([hit]) { HandOver = 8 });

        Assert.Single(first.Outcomes);
        Assert.Empty(again.Outcomes);
        Assert.Equal(1L, again.Summary!.RawOpens);
        Assert.Single(await silo.EventsAsync("acme", "message.opened"));
    }
}

using System.Text.Json;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Scoring;

/// <summary>The hit batch of <see cref="IContactEngagementGrain.Record"/> crosses a cluster call as JSON.</summary>
public sealed class TrackedHitsTests
{
    [Fact]
    public void Json_RoundTrip_KeepsEveryHitInOrder()
    {
        var at = new DateTimeOffset(2026, 11, 23, 20, 0, 0, TimeSpan.Zero);
        TrackedHits hits = [
            new TrackedHit(Guid.CreateVersion7(at), HitKind.Open, "spring", 0, at, at.AddHours(-1), true, "apple-mpp"),
            new TrackedHit(Guid.CreateVersion7(at), HitKind.Click, "spring", 2, at.AddSeconds(1), at.AddHours(-1), false, null, "https://shop.example.com/"),
        ];
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General);

        var copy = JsonSerializer.Deserialize<TrackedHits>(JsonSerializer.SerializeToUtf8Bytes(hits, options), options);

        Assert.NotNull(copy);
        Assert.Equal(hits.Items.ToArray(), copy.Items.ToArray());
        Assert.Equal(2, copy.Count);
    }
}

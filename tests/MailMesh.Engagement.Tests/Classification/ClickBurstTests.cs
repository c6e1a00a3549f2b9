using MailMesh.Engagement.Tests.Tracking;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Classification;

public sealed class ClickBurstTests
{
    [Fact]
    public async Task Record_ThreeLinksWithinASecond_AreAllMachineClicks()
    {
        await using var silo = await TrackingSilo.StartAsync();
        await silo.CreateContactAsync();
        var grain = silo.Grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact("acme", "jane@example.com"));
        var sent = silo.Time.GetUtcNow().AddHours(-1);
        var at = silo.Time.GetUtcNow();

        var first = await grain.Record([new TrackedHit(Guid.NewGuid(), HitKind.Click, "spring", 0, at, sent, false, null)]);
        var rest = await grain.Record([
            new TrackedHit(Guid.NewGuid(), HitKind.Click, "spring", 1, at.AddMilliseconds(300), sent, false, null),
            new TrackedHit(Guid.NewGuid(), HitKind.Click, "spring", 2, at.AddMilliseconds(600), sent, false, null)]);

        Assert.False(Assert.Single(first.Outcomes).Machine);
        Assert.Equal(3, rest.Outcomes.Count);
        Assert.All(rest.Outcomes, o => Assert.Equal((true, "click-burst"), (o.Machine, o.Reason)));
        Assert.Equal((3L, 0L), (rest.Summary!.RawClicks, rest.Summary.HumanClicks));
        Assert.Null(rest.Summary.LastClickAt);
    }

    [Fact]
    public async Task Record_SameLinkTwiceAndAnotherLinkMinutesLater_AreHuman()
    {
        await using var silo = await TrackingSilo.StartAsync();
        await silo.CreateContactAsync();
        var grain = silo.Grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact("acme", "jane@example.com"));
        var sent = silo.Time.GetUtcNow().AddHours(-1);
        var at = silo.Time.GetUtcNow();

        var result = await grain.Record([
            new TrackedHit(Guid.NewGuid(), HitKind.Click, "spring", 0, at, sent, false, null),
            new TrackedHit(Guid.NewGuid(), HitKind.Click, "spring", 0, at.AddMilliseconds(400), sent, false, null),
            new TrackedHit(Guid.NewGuid(), HitKind.Click, "spring", 1, at.AddMinutes(2), sent, false, null)]);

        Assert.All(result.Outcomes, o => Assert.False(o.Machine));
        Assert.Equal(3, result.Summary!.HumanClicks);
    }

    [Fact]
    public async Task Record_SameHitTwice_IsCountedOnce()
    {
        await using var silo = await TrackingSilo.StartAsync();
        await silo.CreateContactAsync();
        var grain = silo.Grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact("acme", "jane@example.com"));
        var hit = new TrackedHit(Guid.NewGuid(), HitKind.Open, "spring", 0, silo.Time.GetUtcNow(), silo.Time.GetUtcNow().AddHours(-1), false, null);

        await grain.Record([hit]);
        var again = await grain.Record([hit]);

        Assert.Empty(again.Outcomes);
        Assert.Equal(1, again.Summary!.RawOpens);
        Assert.Single(await silo.EventsAsync("acme", "message.opened"));
    }
}

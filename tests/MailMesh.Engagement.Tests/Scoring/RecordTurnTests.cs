using MailMesh.Engagement.Tests.Tracking;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Scoring;

/// <summary>A turn of the engagement grain checks the contact with the contact write it makes anyway, and counts a hit
/// once however often it is handed over.</summary>
public sealed class RecordTurnTests
{
    private static TrackedHit Hit(TrackingSilo silo, HitKind kind, int second, bool machine = false)
    {
        var at = silo.Time.GetUtcNow().AddSeconds(second);
        return new TrackedHit(Guid.CreateVersion7(at), kind, "spring", 0, at, at.AddHours(-1), machine, machine ? "apple-mpp" : null,
            kind == HitKind.Click ? "https://shop.example.com/" : null);
    }

    private static HitRecord Row(TrackingSilo silo, HitKind kind)
    {
        var now = silo.Time.GetUtcNow();
        return new HitRecord(Guid.CreateVersion7(now), kind, "acme", "spring", "jane@example.com", 0, kind == HitKind.Click ? "https://shop.example.com/" : null,
            now, now.AddHours(-1), "192.0.2.10", TrackingSilo.Browser, false, null);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Record_ContactDeletedAfterEarlierHits_CountsNothingAndRaisesNoEvent(bool machine)
    {
        await using var silo = await TrackingSilo.StartAsync(listen: false);
        await silo.CreateContactAsync();
        var grain = silo.Grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact("acme", "jane@example.com"));
        var first = await grain.Record([Hit(silo, HitKind.Open, 0, machine)]);
        await silo.Grains.GetGrain<IContactGrain>(ContactAddress.KeyFor("acme", "jane@example.com")).Delete();

        var after = await grain.Record([Hit(silo, HitKind.Open, 1, machine), Hit(silo, HitKind.Click, 2, machine)]);

        Assert.True(first.ContactExists);
        Assert.False(after.ContactExists);
        Assert.Empty(after.Outcomes);
        Assert.Single(await silo.EventsAsync("acme", "message"));
        var kept = await grain.Get();
        Assert.Equal((1L, 0L), (kept!.RawOpens, kept.RawClicks));
    }

    [Fact]
    public async Task Record_ContactCreatedAfterTheGrainFoundNone_CountsTheHit()
    {
        await using var silo = await TrackingSilo.StartAsync(listen: false);
        var grain = silo.Grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact("acme", "jane@example.com"));
        var before = await grain.Record([Hit(silo, HitKind.Open, 0)]);
        await silo.CreateContactAsync();

        var after = await grain.Record([Hit(silo, HitKind.Open, 1)]);

        Assert.False(before.ContactExists);
        Assert.True(after.ContactExists);
        Assert.Equal(1L, after.Summary!.HumanOpens);
        Assert.Equal(1, (await silo.ContactAsync())!.Engagement.Opens);
        Assert.Single(await silo.EventsAsync("acme", "message.opened"));
    }

    [Fact]
    public async Task Redrive_HandOverWhoseGrainTurnWasWritten_CountsItsHitsOnce()
    {
        await using var silo = await TrackingSilo.StartAsync();
        await silo.CreateContactAsync();
        HitRecord[] rows = [Row(silo, HitKind.Open), Row(silo, HitKind.Click)];
        // The writer stored the batch and the grain counted it; the process died before the hand-over was closed.
        await silo.Store.StoreForHandOverAsync(rows, silo.Time.GetUtcNow());
        var grain = silo.Grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact("acme", "jane@example.com"));
        await grain.Record([.. rows.Select(r => r.ToTracked())]);

        await silo.Writer.RedriveAsync(TimeSpan.Zero);

        Assert.Empty(await silo.Store.OpenHandOversAsync(silo.Time.GetUtcNow(), 10));
        Assert.Single(await silo.EventsAsync("acme", "message.opened"));
        Assert.Single(await silo.EventsAsync("acme", "message.clicked"));
        var contact = await silo.ContactAsync();
        Assert.Equal((1, 1), (contact!.Engagement.Opens, contact.Engagement.Clicks));
        var summary = await grain.Get();
        Assert.Equal((1L, 1L), (summary!.RawOpens, summary.RawClicks));
    }

    [Fact]
    public async Task Record_SameHitInALaterTurnOfManyHits_IsSkipped()
    {
        await using var silo = await TrackingSilo.StartAsync(listen: false);
        await silo.CreateContactAsync();
        var grain = silo.Grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact("acme", "jane@example.com"));
        var once = Hit(silo, HitKind.Open, 0);
        await grain.Record([once]);

        // Six hits: the turn looks them up through a set, not the list; the repeat inside the turn counts once too.
        var repeat = Hit(silo, HitKind.Open, 1);
        var result = await grain.Record([once, repeat, repeat, Hit(silo, HitKind.Open, 2), Hit(silo, HitKind.Open, 3), once]);

        Assert.Equal(3, result.Outcomes.Count);
        Assert.Equal(4L, result.Summary!.RawOpens);
        Assert.Equal(4, (await silo.EventsAsync("acme", "message.opened")).Count);
    }
}

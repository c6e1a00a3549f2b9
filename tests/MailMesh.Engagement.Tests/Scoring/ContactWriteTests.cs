using MailMesh.Engagement.Tests.Tracking;
using MailMesh.Grains.Contacts;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Scoring;

/// <summary>The engagement grain writes the contact's engagement only when it changed.</summary>
public sealed class ContactWriteTests
{
    [Fact]
    public async Task Record_MachineHitsOnly_MakeNoContactWriteAndHumanHitsDo()
    {
        await using var silo = await TrackingSilo.StartAsync(listen: false);
        await silo.CreateContactAsync();
        var grain = silo.Grains.GetGrain<IContactEngagementGrain>(EngagementKeys.Contact("acme", "jane@example.com"));
        var contact = silo.Grains.GetGrain<IContactGrain>(ContactAddress.KeyFor("acme", "jane@example.com"));
        var sent = silo.Time.GetUtcNow().AddHours(-1);
        var at = silo.Time.GetUtcNow();
        TrackedHit Open(int second, bool machine) =>
            new(Guid.CreateVersion7(at.AddSeconds(second)), HitKind.Open, "spring", 0, at.AddSeconds(second), sent, machine, machine ? "apple-mpp" : null);

        await grain.Record([Open(0, machine: false)]);
        var written = (await silo.ContactAsync())!.Engagement;
        // A value the grain never wrote: it stays until the grain has something new for the contact.
        var probe = written with { Opens = 99 };
        await contact.SetEngagement(probe);

        var machine = await grain.Record([Open(1, machine: true), Open(2, machine: true)]);
        var afterMachine = (await silo.ContactAsync())!.Engagement;
        await grain.Record([Open(3, machine: false)]);
        var afterHuman = (await silo.ContactAsync())!.Engagement;

        Assert.Equal(1, written.Opens);
        Assert.Equal((3L, 1L), (machine.Summary!.RawOpens, machine.Summary.HumanOpens));
        Assert.Equal(probe, afterMachine);
        Assert.Equal(2, afterHuman.Opens);
    }
}

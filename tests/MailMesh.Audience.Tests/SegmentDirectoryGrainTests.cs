using MailMesh.Audience.Segments;
using MailMesh.Audience.Tests.Support;
using MailMesh.Grains.Contacts;

namespace MailMesh.Audience.Tests;

public sealed class SegmentDirectoryGrainTests : IAsyncLifetime
{
    private AudienceSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await AudienceSilo.StartAsync();

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private ISegmentDirectoryGrain Segments(string tenant = "acme") => _silo.Grains.GetGrain<ISegmentDirectoryGrain>(SegmentDirectoryGrain.KeyFor(tenant));

    private Task<ContactUpsertResult> AddAsync(string address, string tier, params string[] lists) =>
        _silo.Grains.GetGrain<IContactGrain>(ContactAddress.KeyFor("acme", address)).Upsert(new ContactChange(
            new Dictionary<string, AttributeValue?> { ["tier"] = AttributeValue.Of(tier), ["total_spent"] = AttributeValue.Of(tier == "gold" ? 500.0 : 5.0) },
            AddLists: lists));

    [Fact]
    public async Task Preview_Expression_CountsAndSamplesInAddressOrder()
    {
        await AddAsync("c@example.com", "gold", "newsletter");
        await AddAsync("a@example.com", "gold");
        await AddAsync("b@example.com", "bronze", "newsletter");

        var preview = await Segments().Preview("tier = \"gold\" and total_spent > 100", 10);

        Assert.Equal(2, preview.Count);
        Assert.Equal(["a@example.com", "c@example.com"], preview.Sample);
        Assert.Equal(1, (await Segments().Preview("tier = \"gold\" and in list \"newsletter\"", 0)).Count);
        Assert.Equal(0, (await Segments("other").Preview("tier = \"gold\"", 10)).Count);
    }

    [Fact]
    public async Task Save_Dynamic_IsEvaluatedWhenUsed()
    {
        await AddAsync("a@example.com", "gold");
        await Segments().Save(new SegmentDefinition("gold", "tier = \"gold\"", SegmentMode.Dynamic, "Gold customers"), replace: false);
        await AddAsync("b@example.com", "gold");

        var count = await Segments().Count("gold", 5);
        var page = await Segments().Members("gold", null, 1);

        Assert.Equal(2, count.Count);
        Assert.Equal(["a@example.com"], page.Addresses);
        Assert.Equal(["b@example.com"], (await Segments().Members("gold", page.Next, 1)).Addresses);
        var saved = Assert.Single(await Segments().List());
        Assert.Equal(("gold", "Gold customers", SegmentMode.Dynamic), (saved.Name, saved.Description, saved.Mode));
    }

    [Fact]
    public async Task Save_Snapshot_FreezesMembersUntilSnapshotAgain()
    {
        await AddAsync("a@example.com", "gold");
        var saved = await Segments().Save(new SegmentDefinition("gold-may", "tier = \"gold\"", SegmentMode.Snapshot), replace: false);
        await AddAsync("b@example.com", "gold");

        Assert.Equal(1, saved.SnapshotCount);
        Assert.Equal(["a@example.com"], (await Segments().Count("gold-may", 10)).Sample);
        var again = await Segments().Snapshot("gold-may");
        Assert.Equal(2, again.SnapshotCount);
        Assert.Equal(["a@example.com", "b@example.com"], (await Segments().Members("gold-may", null, 10)).Addresses);
    }

    [Fact]
    public async Task Snapshot_ContactDeleted_LeavesTheFrozenMembers()
    {
        await AddAsync("a@example.com", "gold");
        await AddAsync("b@example.com", "gold");
        await Segments().Save(new SegmentDefinition("gold", "tier = \"gold\"", SegmentMode.Snapshot), replace: false);

        await _silo.Grains.GetGrain<IContactGrain>(ContactAddress.KeyFor("acme", "a@example.com")).Delete();

        Assert.Equal(["b@example.com"], (await Segments().Members("gold", null, 10)).Addresses);
        Assert.Equal(1, (await Segments().Count("gold", 0)).Count);
    }

    [Fact]
    public async Task Save_Invalid_IsRefusedWithTheReason()
    {
        var syntax = await Assert.ThrowsAsync<SegmentSyntaxException>(() => Segments().Save(new SegmentDefinition("bad", "tier = "), replace: false));
        Assert.Equal(7, syntax.Position);
        await Assert.ThrowsAsync<ArgumentException>(() => Segments().Save(new SegmentDefinition("Bad Name", "tier = \"gold\""), replace: false));
        await Segments().Save(new SegmentDefinition("gold", "tier = \"gold\""), replace: false);
        var exists = await Assert.ThrowsAsync<ArgumentException>(() => Segments().Save(new SegmentDefinition("gold", "tier = \"silver\""), replace: false));
        Assert.Contains("exists already", exists.Message, StringComparison.Ordinal);
        Assert.Equal("tier = \"silver\"", (await Segments().Save(new SegmentDefinition("gold", "tier = \"silver\""), replace: true)).Expression);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Segments().Snapshot("gold"));
        await Assert.ThrowsAsync<SegmentNotFoundException>(() => Segments().Count("missing", 0));
    }

    [Fact]
    public async Task Delete_Segment_IsGoneAfterRestart()
    {
        await Segments().Save(new SegmentDefinition("gold", "tier = \"gold\""), replace: false);
        await Segments().Save(new SegmentDefinition("silver", "tier = \"silver\"", SegmentMode.Snapshot), replace: false);

        Assert.True(await Segments().Delete("gold"));
        Assert.False(await Segments().Delete("gold"));
        await _silo.RestartAsync();

        Assert.Equal(["silver"], (await Segments().List()).Select(s => s.Name));
        Assert.Null(await Segments().Get("gold"));
    }
}

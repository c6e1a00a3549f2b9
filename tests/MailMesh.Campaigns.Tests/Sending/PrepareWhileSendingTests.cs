using MailMesh.Campaigns.Composition;
using MailMesh.Campaigns.Tests.Sending.Support;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Campaigns.Tests.Sending;

/// <summary>A shard prepares its next batch while the relay has the last one (docs/adr/campaigns-17-prepare-while-sending.md):
/// the prepared batch is claimed only in the next turn, after the batch before it is recorded, and its contacts are read
/// again just before that claim.</summary>
public sealed class PrepareWhileSendingTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static readonly Dictionary<string, string?> OneShardOfFive = new() { ["Campaigns:Shards"] = "1", ["Campaigns:BatchSize"] = "5" };
    private CampaignSilo _silo = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            _silo.Submitter.Release.TrySetResult();
            await _silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task Send_NextBatchPreparedWhileOneIsSent_IsNotClaimedUntilTheNextTurn()
    {
        var silo = _silo = await CampaignSilo.StartAsync(OneShardOfFive);
        var addresses = Enumerable.Range(0, 20).Select(i => $"user{i:D2}@example{i % 3}.com").ToArray();
        await silo.SeedAsync(addresses);
        await silo.Campaign("c1").Create(CampaignSilo.Definition());
        silo.Submitter.HoldAt = 1;

        await silo.Campaign("c1").Schedule(null);
        await silo.Submitter.Held.Task.WaitAsync(Patience);
        var first = await silo.ObservedLog.WhenListed(1).WaitAsync(Patience);
        var next = await WaitAsync(silo.ObservedLog.WhenListed(2), "the second batch to be listed while the first one's message is held");

        var progress = await silo.SendLog.CountAsync(CampaignSilo.Tenant, "c1");
        Assert.Equal((5L, 15L), (progress.Sending, progress.Queued));
        Assert.Empty(first.Select(r => r.ContactAddress).Intersect(next.Select(r => r.ContactAddress), StringComparer.Ordinal));
        silo.Submitter.Release.SetResult();
        await silo.WaitForEventAsync("c1", "campaign.completed");

        Assert.Equal(20, silo.Submitter.PerRecipient().Count);
        Assert.All(silo.Submitter.PerRecipient().Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Send_ContactSuppressedAfterItsBatchWasPrepared_IsNeverMailed()
    {
        var composer = new SignallingComposer();
        var silo = _silo = await CampaignSilo.StartAsync(
            OneShardOfFive, fakeComposition: true,
            services: s => s.AddSingleton<ICampaignMessageComposer>(composer));
        var addresses = Enumerable.Range(0, 20).Select(i => $"user{i:D2}@example{i % 3}.com").ToArray();
        await silo.SeedAsync(addresses);
        await silo.Campaign("c1").Create(CampaignSilo.Definition());
        silo.Submitter.HoldAt = 1;

        await silo.Campaign("c1").Schedule(null);
        await silo.Submitter.Held.Task.WaitAsync(Patience);
        var next = await WaitAsync(silo.ObservedLog.WhenListed(2), "the second batch to be listed while the first one's message is held");
        await WaitAsync(composer.WhenComposed(10), "the second batch's five messages to be composed");
        var late = next[0].ContactAddress;
        await silo.Contact(late).Suppress(SuppressionReason.Complained, "feedback loop report");
        silo.Submitter.Release.SetResult();
        await silo.WaitForEventAsync("c1", "campaign.completed");

        Assert.DoesNotContain(late, silo.Submitter.PerRecipient().Keys);
        var record = await silo.SendLog.FindAsync(CampaignSilo.Tenant, next[0].SendId);
        Assert.Equal(SendStatus.Suppressed, record!.Status);
        Assert.Contains("complained", record.LastReply, StringComparison.Ordinal);
        Assert.Equal(19, silo.Submitter.PerRecipient().Count);
        Assert.All(silo.Submitter.PerRecipient().Values, n => Assert.Equal(1, n));
    }

    private static async Task<T> WaitAsync<T>(Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"gave up after {Patience} waiting for {what}.");
        }
    }

    private static async Task WaitAsync(Task task, string what)
    {
        try
        {
            await task.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"gave up after {Patience} waiting for {what}.");
        }
    }
}

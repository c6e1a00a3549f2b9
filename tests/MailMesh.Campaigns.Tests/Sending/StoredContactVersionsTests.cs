using MailMesh.Audience.Contacts;
using MailMesh.Campaigns.Tests.Sending.Support;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailMesh.Campaigns.Tests.Sending;

/// <summary>The versions a prepared batch keeps of its contacts tell which ones changed before its claim
/// (docs/adr/campaigns-17-prepare-while-sending.md).</summary>
public sealed class StoredContactVersionsTests : IAsyncLifetime
{
    private CampaignSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await CampaignSilo.StartAsync();

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task ChangedAsync_AfterSuppressDeleteOrNoChange_FlagsExactlyTheWrittenContacts()
    {
        string[] addresses = ["kept@example.com", "suppressed@example.com", "deleted@example.com", "nobody@example.com"];
        await _silo.SeedAsync(addresses[..3]);
        var contacts = new StoredContacts(
            _silo.Silo.Services.GetRequiredService<IGrainStorageBatch>(),
            _silo.Silo.Services.GetRequiredService<IOptions<GrainRuntimeOptions>>().Value.JsonOptions);
        var versions = new string?[addresses.Length];

        var read = await contacts.GetManyAsync(CampaignSilo.Tenant, addresses, versions);
        var unchanged = await contacts.ChangedAsync(CampaignSilo.Tenant, addresses, versions);
        await _silo.Contact(addresses[1]).Suppress(SuppressionReason.HardBounced, "550 5.1.1 no such user");
        await _silo.Contact(addresses[2]).Delete();
        var changed = await contacts.ChangedAsync(CampaignSilo.Tenant, addresses, versions);

        Assert.Equal([true, true, true, false], read.Select(c => c is not null));
        Assert.Equal([true, true, true, false], versions.Select(v => v is not null));
        Assert.Equal([false, false, false, false], unchanged);
        Assert.Equal([false, true, true, false], changed);
    }

    [Fact]
    public async Task ChangedAsync_VersionsOfAnotherLength_ThrowsNamingBothCounts()
    {
        var contacts = new StoredContacts(
            _silo.Silo.Services.GetRequiredService<IGrainStorageBatch>(),
            _silo.Silo.Services.GetRequiredService<IOptions<GrainRuntimeOptions>>().Value.JsonOptions);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => contacts.ChangedAsync(CampaignSilo.Tenant, ["a@example.com"], []));

        Assert.Contains("0 versions for 1 addresses", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangedAsync_ReadsTheStoredVersionsOnly_NotTheStates()
    {
        string[] addresses = ["kept@example.com", "suppressed@example.com", "nobody@example.com"];
        await _silo.SeedAsync(addresses[..2]);
        var storage = new CountingStateBatch(_silo.Silo.Services.GetRequiredService<IGrainStorageBatch>());
        var contacts = new StoredContacts(storage, _silo.Silo.Services.GetRequiredService<IOptions<GrainRuntimeOptions>>().Value.JsonOptions);
        var versions = new string?[addresses.Length];
        await contacts.GetManyAsync(CampaignSilo.Tenant, addresses, versions);
        await _silo.Contact(addresses[1]).Suppress(SuppressionReason.HardBounced, "550 5.1.1 no such user");

        var changed = await contacts.ChangedAsync(CampaignSilo.Tenant, addresses, versions);

        Assert.Equal([false, true, false], changed);
        Assert.Equal(1, storage.StateReads);
        Assert.Equal(1, storage.VersionReads);
    }

    /// <summary>Counts the reads of whole states and of versions alone.</summary>
    private sealed class CountingStateBatch(IGrainStorageBatch inner) : IGrainStorageBatch
    {
        public int StateReads { get; private set; }

        public int VersionReads { get; private set; }

        public Task<IReadOnlyList<StoredState?>> ReadManyAsync(string stateName, IReadOnlyList<GrainId> grains, CancellationToken cancellationToken = default)
        {
            StateReads++;
            return inner.ReadManyAsync(stateName, grains, cancellationToken);
        }

        public Task<IReadOnlyList<string?>> ReadETagsAsync(string stateName, IReadOnlyList<GrainId> grains, CancellationToken cancellationToken = default)
        {
            VersionReads++;
            return inner.ReadETagsAsync(stateName, grains, cancellationToken);
        }

        public Task<IReadOnlyList<WriteResult>> WriteManyAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken = default) =>
            inner.WriteManyAsync(writes, cancellationToken);
    }
}

using System.Text;
using MailMesh.Runtime.Storage;
using MailMesh.Runtime.Tests.Grains;
using MailMesh.Runtime.Tests.Infrastructure;

namespace MailMesh.Runtime.Tests;

/// <summary>Persistent state and events over the in-memory store (the SQLite provider is exercised in
/// <see cref="SqliteRestartTests"/>).</summary>
public sealed class PersistenceTests
{
    private const string ProfileType = "MailMesh.Runtime.Tests.Grains.IProfileGrain";

    [Fact]
    public async Task WriteState_WithRaisedEvent_StoresBothTogether()
    {
        var probe = new Probe();
        var storage = new InMemoryGrainStorage();
        await using var silo = await TestSilo.StartInMemoryAsync(probe, storage: storage);
        var grain = silo.GrainFactory.GetGrain<IProfileGrain>("t1/ann");

        await grain.SetName("Ann");

        var row = Encoding.UTF8.GetString(storage.Get("profile", new GrainId(ProfileType, "t1/ann"))!);
        Assert.Contains("\"Name\":\"Ann\"", row, StringComparison.Ordinal);
        var e = Assert.Single(storage.Events);
        Assert.Equal(("t1", "profile.renamed", "t1/ann", "{\"name\":\"Ann\"}"), (e.Tenant, e.Type, e.Subject, e.PayloadJson));
    }

    [Fact]
    public async Task RaiseEvent_WithoutWrite_IsNotLoggedUntilTheNextWrite()
    {
        var probe = new Probe();
        var storage = new InMemoryGrainStorage();
        await using var silo = await TestSilo.StartInMemoryAsync(probe, storage: storage,
            options: o => o.PersistChangedStateOnDeactivate = false);
        var account = silo.GrainFactory.GetGrain<IAccountGrain>("t1/acc");

        await account.RaiseOnly(5);
        Assert.Empty(storage.Events);
        await account.Deposit(10);

        Assert.Equal(["account.pending", "account.deposited"], storage.Events.Select(e => e.Type));
        Assert.Equal([1L, 2L], storage.Events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task WriteState_StaleETagFromSecondSilo_ThrowsInconsistentStateAndLogsNoEvent()
    {
        var probe = new Probe();
        var storage = new InMemoryGrainStorage();
        await using var first = await TestSilo.StartInMemoryAsync(probe, storage: storage);
        await using var second = await TestSilo.StartInMemoryAsync(probe, storage: storage);
        var mine = first.GrainFactory.GetGrain<IProfileGrain>("t1/shared");
        var theirs = second.GrainFactory.GetGrain<IProfileGrain>("t1/shared");
        Assert.Equal("", await mine.GetName());
        Assert.Equal("", await theirs.GetName());

        await mine.SetName("first");
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => theirs.SetName("second"));

        Assert.Equal("profile", error.StateName);
        Assert.Equal(new GrainId(ProfileType, "t1/shared"), error.Grain);
        Assert.Null(error.ExpectedETag);
        Assert.Contains("re-read the state and retry", error.Message, StringComparison.Ordinal);
        Assert.Single(storage.Events);
    }

    [Fact]
    public async Task Activation_CorruptedStateRow_FailsNamingGrainKeepsRowOtherGrainsWork()
    {
        var probe = new Probe();
        var storage = new InMemoryGrainStorage();
        var id = new GrainId(ProfileType, "t1/corrupt");
        var garbage = "{\"Name\": tru"u8.ToArray();
        storage.Put("profile", id, garbage);
        await using var silo = await TestSilo.StartInMemoryAsync(probe, storage: storage);

        var error = await Assert.ThrowsAsync<GrainActivationException>(() => silo.GrainFactory.GetGrain<IProfileGrain>("t1/corrupt").GetName());

        Assert.Equal(id, error.Grain);
        Assert.Contains("t1/corrupt", error.Message, StringComparison.Ordinal);
        Assert.Contains("state 'profile' is stored but is not valid JSON for ProfileState", error.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, storage.Get("profile", id));
        await silo.GrainFactory.GetGrain<IProfileGrain>("t1/healthy").SetName("ok");
        Assert.Equal("ok", await silo.GrainFactory.GetGrain<IProfileGrain>("t1/healthy").GetName());
    }

    [Fact]
    public async Task WriteState_StoreFull_CallFailsClearlyAndGrainAndOthersKeepWorking()
    {
        var probe = new Probe();
        var storage = new InMemoryGrainStorage();
        await using var silo = await TestSilo.StartInMemoryAsync(probe, storage: storage);
        var full = silo.GrainFactory.GetGrain<IProfileGrain>("t1/full");
        await full.SetName("before");
        storage.FailWritesOf = g => g.Key == "t1/full";

        var error = await Assert.ThrowsAsync<StorageException>(() => full.SetName("after"));

        Assert.Contains("Writing state 'profile' of MailMesh.Runtime.Tests.Grains.IProfileGrain/t1/full failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("full", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsTransient);
        Assert.Contains("\"before\"", Encoding.UTF8.GetString(storage.Get("profile", new GrainId(ProfileType, "t1/full"))!), StringComparison.Ordinal);
        Assert.Single(storage.Events);
        await silo.GrainFactory.GetGrain<IProfileGrain>("t1/other").SetName("fine");

        storage.FailWritesOf = null;
        await full.SetName("after");
        Assert.Equal(["profile.renamed", "profile.renamed", "profile.renamed", "profile.renamed"], storage.Events.Select(e => e.Type));
    }

    [Fact]
    public async Task ClearState_RemovesRowAndResetsState()
    {
        var probe = new Probe();
        var storage = new InMemoryGrainStorage();
        await using var silo = await TestSilo.StartInMemoryAsync(probe, storage: storage);
        var grain = silo.GrainFactory.GetGrain<IProfileGrain>("t1/gone");
        await grain.SetName("x");

        await grain.Forget();

        Assert.Equal("", await grain.GetName());
        Assert.Null(storage.Get("profile", new GrainId(ProfileType, "t1/gone")));
    }
}

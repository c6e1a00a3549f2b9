using MailMesh.Runtime.Tests.Infrastructure;

namespace MailMesh.Runtime.Tests.Grains;

public sealed class ProfileState
{
    public string Name { get; set; } = "";

    public string Notes { get; set; } = "";

    public List<string> History { get; set; } = [];
}

public interface IProfileGrain : IGrainWithStringKey
{
    Task SetName(string name);

    Task SetNameWithoutSaving(string name);

    Task SetNotes(string notes);

    [ReadOnly]
    Task<string> GetName();

    Task Forget();
}

public sealed class ProfileGrain(
    [PersistentState("profile")] IPersistentState<ProfileState> profile,
    Probe probe) : Grain, IProfileGrain
{
    public async Task SetName(string name)
    {
        profile.State.Name = name;
        profile.State.History.Add(name);
        RaiseEvent("profile.renamed", GrainKey, new { name });
        await profile.WriteStateAsync();
    }

    public Task SetNameWithoutSaving(string name)
    {
        profile.State.Name = name;
        return Task.CompletedTask;
    }

    public async Task SetNotes(string notes)
    {
        profile.State.Notes = notes;
        await profile.WriteStateAsync();
    }

    public Task<string> GetName() => Task.FromResult(profile.State.Name);

    public Task Forget() => profile.ClearStateAsync();

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Record($"deactivate:{GrainKey}:{reason.Code}");
        return Task.CompletedTask;
    }
}

public sealed class AccountState
{
    public long Balance { get; set; }
}

public interface IAccountGrain : IGrainWithStringKey
{
    Task<long> Deposit(long amount);

    /// <summary>Raises an event but does not write: the event must not reach the log on its own.</summary>
    Task RaiseOnly(long amount);

    [ReadOnly]
    Task<long> Balance();
}

public sealed class AccountGrain([PersistentState("account")] IPersistentState<AccountState> account) : Grain, IAccountGrain
{
    public async Task<long> Deposit(long amount)
    {
        account.State.Balance += amount;
        RaiseEvent("account.deposited", GrainKey, new { amount, balance = account.State.Balance });
        await account.WriteStateAsync();
        return account.State.Balance;
    }

    public Task RaiseOnly(long amount)
    {
        RaiseEvent("account.pending", GrainKey, new { amount });
        return Task.CompletedTask;
    }

    public Task<long> Balance() => Task.FromResult(account.State.Balance);
}

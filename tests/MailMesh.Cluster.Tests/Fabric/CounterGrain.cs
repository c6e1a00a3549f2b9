using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;

namespace MailMesh.Cluster.Tests.Fabric;

public sealed class CounterState
{
    public long Value { get; set; }
}

/// <summary>A thrown error with a property of its own, to check that it crosses silos intact.</summary>
public sealed class QuotaExceededException(string mailbox, long limit)
    : InvalidOperationException($"Mailbox '{mailbox}' is over its quota of {limit} messages.")
{
    public string Mailbox { get; } = mailbox;

    public long Limit { get; } = limit;
}

public interface IClusterCounterGrain : IGrainWithStringKey
{
    Task<long> Add(long amount);

    [ReadOnly]
    Task<long> Get();

    [ReadOnly]
    Task<string> WhereAmI();

    Task Fail(string message);

    Task<long> AddThrough(IClusterCounterGrain other, long amount);
}

public sealed class ClusterCounterGrain(
    [PersistentState("counter")] IPersistentState<CounterState> counter,
    IClusterMembership membership) : Grain, IClusterCounterGrain
{
    public async Task<long> Add(long amount)
    {
        counter.State.Value += amount;
        await counter.WriteStateAsync();
        return counter.State.Value;
    }

    public Task<long> Get() => Task.FromResult(counter.State.Value);

    public Task<string> WhereAmI() => Task.FromResult(membership.SiloId);

    public Task Fail(string message) => throw new QuotaExceededException(GrainKey, 42) { Data = { ["note"] = message } };

    public async Task<long> AddThrough(IClusterCounterGrain other, long amount) => await other.Add(amount);
}

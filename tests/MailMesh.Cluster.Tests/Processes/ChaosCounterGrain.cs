using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;

namespace MailMesh.Cluster.Tests.Processes;

public sealed class ChaosCounterState
{
    public long Value { get; set; }
}

/// <summary>The counter the process tests load: every change is a state write and a <c>counter.added</c> event with
/// the new value, so a change applied twice shows as a wrong total and as a repeated value in the event log.</summary>
public interface IChaosCounterGrain : IGrainWithStringKey
{
    Task<long> Add(long amount);

    /// <summary>Waits <paramref name="holdMilliseconds"/> inside the turn (between reading and writing), then adds.</summary>
    Task<long> AddAfter(long amount, int holdMilliseconds);

    [ReadOnly]
    Task<long> Get();

    [ReadOnly]
    Task<string> WhereAmI();
}

public sealed class ChaosCounterGrain(
    [PersistentState("counter")] IPersistentState<ChaosCounterState> counter,
    IClusterMembership membership) : Grain, IChaosCounterGrain
{
    public const string AddedEvent = "counter.added";

    public async Task<long> Add(long amount)
    {
        counter.State.Value += amount;
        RaiseEvent(AddedEvent, GrainKey, new { value = counter.State.Value, silo = membership.SiloId });
        await counter.WriteStateAsync();
        return counter.State.Value;
    }

    public async Task<long> AddAfter(long amount, int holdMilliseconds)
    {
        // The process tests wait for this line before they pause the silo in the middle of the turn.
        Console.WriteLine($"HOLDING {GrainKey} on {membership.SiloId}");
        await Task.Delay(holdMilliseconds);
        return await Add(amount);
    }

    public Task<long> Get() => Task.FromResult(counter.State.Value);

    public Task<string> WhereAmI() => Task.FromResult(membership.SiloId);
}

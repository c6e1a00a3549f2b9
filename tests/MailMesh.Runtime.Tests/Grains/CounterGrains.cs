using MailMesh.Runtime.Tests.Infrastructure;

namespace MailMesh.Runtime.Tests.Grains;

public interface INamedGrain : IGrainWithStringKey
{
    Task<string> WhoAmI();
}

public interface ICounterGrain : INamedGrain
{
    /// <summary>Adds with an await between read and write: exact only if turns never overlap.</summary>
    Task<int> Add(int n);

    ValueTask<int> AddFast(int n);

    ValueTask Touch();

    Task Reset();

    [ReadOnly]
    Task<int> Get();
}

public sealed class CounterGrain : Grain, ICounterGrain
{
    private int _value;

    public async Task<int> Add(int n)
    {
        var context = SynchronizationContext.Current;
        var read = _value;
        await Task.Yield();
        await Task.Delay(0);
        if (!ReferenceEquals(SynchronizationContext.Current, context))
        {
            throw new InvalidOperationException("The turn resumed outside its activation.");
        }

        _value = read + n;
        return _value;
    }

    public ValueTask<int> AddFast(int n) => new(_value += n);

    public ValueTask Touch() => ValueTask.CompletedTask;

    public Task Reset()
    {
        _value = 0;
        return Task.CompletedTask;
    }

    public Task<int> Get() => Task.FromResult(_value);

    public Task<string> WhoAmI() => Task.FromResult(GrainKey);
}

/// <summary>Turn-order probes: each method records its start and end around a gate.</summary>
public interface ITurnMethods
{
    Task Hold(string gate);

    Task Quick(string label);

    [ReadOnly]
    Task Read(string gate);

    [AlwaysInterleave]
    Task<string> Interleave(string label);
}

public interface ITurnGrain : ITurnMethods, IGrainWithStringKey;

public interface IReentrantTurnGrain : ITurnMethods, IGrainWithStringKey;

public abstract class TurnGrainBase(Probe probe) : Grain, ITurnMethods
{
    public async Task Hold(string gate)
    {
        probe.Record($"{GrainKey}:hold-start:{gate}");
        await probe.Gate(gate);
        probe.Record($"{GrainKey}:hold-end:{gate}");
    }

    public Task Quick(string label)
    {
        probe.Record($"{GrainKey}:quick:{label}");
        return Task.CompletedTask;
    }

    public async Task Read(string gate)
    {
        probe.Record($"{GrainKey}:read-start:{gate}");
        await probe.Gate(gate);
    }

    public Task<string> Interleave(string label)
    {
        probe.Record($"{GrainKey}:interleave:{label}");
        return Task.FromResult(label);
    }
}

public sealed class TurnGrain(Probe probe) : TurnGrainBase(probe), ITurnGrain;

[Reentrant]
public sealed class ReentrantTurnGrain(Probe probe) : TurnGrainBase(probe), IReentrantTurnGrain;

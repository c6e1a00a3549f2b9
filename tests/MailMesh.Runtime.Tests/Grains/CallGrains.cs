using MailMesh.Runtime.Tests.Infrastructure;

namespace MailMesh.Runtime.Tests.Grains;

public sealed class Box
{
    public List<string> Items { get; set; } = [];
}

/// <summary>Carries its values with properties its constructor takes, so it can be rebuilt on the caller's side.</summary>
public sealed class QuotaExceededException(string tenant, int limit)
    : InvalidOperationException($"Tenant {tenant} exceeded its quota of {limit} messages.")
{
    public string Tenant { get; } = tenant;

    public int Limit { get; } = limit;
}

/// <summary>No public constructor fits its properties: it arrives as a RemoteGrainException.</summary>
public sealed class OpaqueException : Exception
{
    public OpaqueException(Stream evidence)
        : base("opaque failure " + evidence.Length)
    {
    }
}

public interface IBoundaryGrain : IGrainWithStringKey
{
    Task<int> AddItem(List<string> items);

    Task<Box> Append(Box box, string item);

    Task<List<string>> Items();

    Task<IReadOnlyList<string>> Sorted(IReadOnlyList<string> items);

    Task Throw(string kind);

    [CallTimeout(2000)]
    Task Wait(string gate);

    Task WaitDefault(string gate);
}

public sealed class BoundaryGrain(Probe probe) : Grain, IBoundaryGrain
{
    private readonly List<string> _items = ["first"];

    public Task<int> AddItem(List<string> items)
    {
        items.Add("added by the grain");
        return Task.FromResult(items.Count);
    }

    public Task<Box> Append(Box box, string item)
    {
        box.Items.Add(item);
        return Task.FromResult(box);
    }

    public Task<List<string>> Items() => Task.FromResult(_items);

    // A collection expression: its runtime type is compiler-generated and has no JSON constructor.
    public Task<IReadOnlyList<string>> Sorted(IReadOnlyList<string> items) => Task.FromResult<IReadOnlyList<string>>([.. items.Order(StringComparer.Ordinal)]);

    public Task Throw(string kind) => kind switch
    {
        "invalid" => throw new InvalidOperationException("the grain refused: boom"),
        "argument" => throw new ArgumentException("the name is too long", "name"),
        "quota" => throw new QuotaExceededException("acme", 500),
        "opaque" => throw new OpaqueException(new MemoryStream(new byte[3])),
        _ => Task.CompletedTask,
    };

    public async Task Wait(string gate)
    {
        probe.Record($"waiting:{gate}");
        await probe.Gate(gate);
    }

    public async Task WaitDefault(string gate)
    {
        probe.Record($"waiting:{gate}");
        await probe.Gate(gate);
    }
}

public interface IChainGrain : IGrainWithStringKey
{
    /// <summary>Calls the first grain of <paramref name="path"/> with the rest of the path.</summary>
    Task<string> CallThrough(string[] path);

    /// <summary>Asks <paramref name="other"/> to greet back through <see cref="Hello"/>.</summary>
    Task<string> HelloVia(string other);

    Task<string> GreetBack(string caller);

    [AlwaysInterleave]
    Task<string> Hello();
}

public sealed class ChainGrain : Grain, IChainGrain
{
    public async Task<string> CallThrough(string[] path)
    {
        if (path.Length == 0)
        {
            return GrainKey;
        }

        var next = GrainFactory.GetGrain<IChainGrain>(path[0]);
        return GrainKey + ">" + await next.CallThrough(path[1..]);
    }

    public Task<string> HelloVia(string other) => GrainFactory.GetGrain<IChainGrain>(other).GreetBack(GrainKey);

    public Task<string> GreetBack(string caller) => GrainFactory.GetGrain<IChainGrain>(caller).Hello();

    public Task<string> Hello() => Task.FromResult("hello from " + GrainKey);
}

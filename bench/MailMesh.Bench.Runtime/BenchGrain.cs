using MailMesh.Runtime;

namespace MailMesh.Bench.Runtime;

public interface IBenchGrain : IGrainWithStringKey
{
    Task<int> Ping(int value);
}

public sealed class BenchGrain : Grain, IBenchGrain
{
    private int _calls;

    public Task<int> Ping(int value)
    {
        _calls++;
        return Task.FromResult(value + 1);
    }
}

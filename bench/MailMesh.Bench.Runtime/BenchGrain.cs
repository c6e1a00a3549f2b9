using MailMesh.Runtime;

namespace MailMesh.Bench.Runtime;

public interface IBenchGrain : IGrainWithStringKey
{
    Task<int> Ping(int value);

    /// <summary>The same call through a <see cref="ValueTask{TResult}"/> method (no Task on either side).</summary>
    ValueTask<int> PingValue(int value);
}

public sealed class BenchGrain : Grain, IBenchGrain
{
    private int _calls;

    public Task<int> Ping(int value)
    {
        _calls++;
        return Task.FromResult(value + 1);
    }

    public ValueTask<int> PingValue(int value)
    {
        _calls++;
        return new ValueTask<int>(value + 1);
    }
}

using MailMesh.Runtime;

namespace MailMesh.Telemetry.Tests;

public interface IRelayTestGrain : IGrainWithStringKey
{
    Task<string> Forward(string nextKey, string text);

    Task<string> Echo(string text);

    Task Fail(string message);
}

public sealed class RelayTestGrain : Grain, IRelayTestGrain
{
    public Task<string> Forward(string nextKey, string text) =>
        GrainFactory.GetGrain<IRelayTestGrain>(nextKey).Echo(text);

    public Task<string> Echo(string text) => Task.FromResult(text);

    public Task Fail(string message) => throw new InvalidOperationException(message);
}

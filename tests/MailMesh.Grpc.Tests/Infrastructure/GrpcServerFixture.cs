namespace MailMesh.Grpc.Tests.Infrastructure;

/// <summary>One server and one raw client shared by the tests of a class.</summary>
public sealed class GrpcServerFixture : IAsyncLifetime
{
    public GrpcTestServer Server { get; private set; } = null!;

    public RawGrpcClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await GrpcTestServer.StartAsync();
        Client = new RawGrpcClient(Server.Address);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

public static class Wait
{
    /// <summary>Awaits <paramref name="task"/> for at most 10 s; the failure says what was awaited.</summary>
    public static async Task For(Task task, string what)
    {
        try
        {
            await task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"timed out after 10 s waiting for {what}");
        }
    }

    public static async Task<T> For<T>(Task<T> task, string what)
    {
        await For((Task)task, what);
        return await task;
    }
}

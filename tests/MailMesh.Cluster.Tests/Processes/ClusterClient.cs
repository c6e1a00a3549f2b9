using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.RabbitMq;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Cluster.Tests.Processes;

/// <summary>The test's way into a cluster of silo processes: a silo that is not a member (it owns no shard), so every
/// call it makes travels through the shard queues to whichever silo consumes them.</summary>
public sealed class ClusterClient : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private ClusterClient(ServiceProvider provider)
    {
        _provider = provider;
        Fabric = provider.GetRequiredService<RabbitMqFabric>();
        Grains = provider.GetRequiredService<MailMesh.Runtime.Silo>().GrainFactory;
    }

    public IGrainFactory Grains { get; }

    public RabbitMqFabric Fabric { get; }

    public static async Task<ClusterClient> StartAsync(Uri rabbitMq, string queuePrefix, int shards, TimeSpan callTimeout)
    {
        var services = new ServiceCollection();
        services.AddMailMeshRuntime(o => o.CallTimeout = callTimeout);
        services.Configure<ClusterOptions>(o => o.ShardCount = shards);
        services.AddSingleton<IClusterMembership>(new OutsiderMembership(shards));
        services.AddMailMeshRabbitMqFabric(o =>
        {
            o.ConnectionString = rabbitMq.ToString();
            o.QueuePrefix = queuePrefix;
            o.Heartbeat = TimeSpan.FromSeconds(2);
        });
        var provider = services.BuildServiceProvider();
        var client = new ClusterClient(provider);
        await provider.GetRequiredService<MailMesh.Runtime.Silo>().StartAsync();
        await client.Fabric.StartAsync(CancellationToken.None);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Fabric.DisposeAsync();
        await _provider.GetRequiredService<MailMesh.Runtime.Silo>().StopAsync();
        await _provider.DisposeAsync();
    }

    /// <summary>A membership that is never in the view: the fabric consumes no shard and sends every call.</summary>
    private sealed class OutsiderMembership(int shards) : IClusterMembership, IDisposable
    {
        public string SiloId => "test-client";

        public string Address => "test-client:0";

        public int ShardCount => shards;

        public ClusterView View => ClusterView.Empty;

        public IDisposable Subscribe(Action<ClusterViewChange> observer) => this;

        public void OnLeaving(Func<CancellationToken, Task> handOver)
        {
        }

        public void Dispose()
        {
        }
    }
}

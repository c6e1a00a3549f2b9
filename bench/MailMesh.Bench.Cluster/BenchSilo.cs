using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Runtime.RabbitMq;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Bench.Cluster;

/// <summary>One silo in this process: embedded (no fabric) or a cluster member on PostgreSQL and RabbitMQ.</summary>
internal sealed class BenchSilo : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private BenchSilo(ServiceProvider provider, string id)
    {
        _provider = provider;
        Id = id;
        Silo = provider.GetRequiredService<Silo>();
        Membership = provider.GetService<MembershipService>();
        Fabric = provider.GetService<RabbitMqFabric>();
    }

    public string Id { get; }

    public Silo Silo { get; }

    public MembershipService? Membership { get; }

    public RabbitMqFabric? Fabric { get; }

    public IGrainFactory Grains => Silo.GrainFactory;

    public static async Task<BenchSilo> StartEmbeddedAsync()
    {
        var services = new ServiceCollection();
        services.AddMailMeshRuntime();
        services.AddGrain<IPingGrain, PingGrain>();
        var silo = new BenchSilo(services.BuildServiceProvider(), "embedded");
        await silo.Silo.StartAsync();
        return silo;
    }

    public static async Task<BenchSilo> StartClusterAsync(string id, BenchSettings settings)
    {
        var services = new ServiceCollection();
        services.AddMailMeshRuntime();
        services.AddGrain<IPingGrain, PingGrain>();
        services.AddMailMeshPostgreSqlStorage(o =>
        {
            o.ConnectionString = settings.Postgres;
            o.Schema = settings.Schema;
        });
        services.AddMailMeshClusterMembership(o =>
        {
            o.SiloId = id;
            o.Address = $"{id}:0";
            o.ShardCount = settings.Shards;
        });
        services.AddMailMeshRabbitMqFabric(o =>
        {
            o.ConnectionString = settings.RabbitMq;
            o.QueuePrefix = settings.QueuePrefix;
        });
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<PostgreSqlStore>().InitializeAsync(CancellationToken.None);
        var silo = new BenchSilo(provider, id);
        await silo.Silo.StartAsync();
        await silo.Membership!.StartAsync(CancellationToken.None);
        await silo.Fabric!.StartAsync(CancellationToken.None);
        return silo;
    }

    /// <summary>Dies without leaving: broker connection closed, heartbeats stopped.</summary>
    public async Task CrashAsync()
    {
        await Membership!.DisposeAsync();
        await Fabric!.DisposeAsync();
    }

    public async Task LeaveAsync()
    {
        if (Membership is not null)
        {
            await Membership.StopAsync(CancellationToken.None);
            await Fabric!.StopAsync(CancellationToken.None);
        }

        await Silo.StopAsync();
    }

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();
}

internal sealed record BenchSettings(string Postgres, string RabbitMq, string Schema, string QueuePrefix, int Shards);

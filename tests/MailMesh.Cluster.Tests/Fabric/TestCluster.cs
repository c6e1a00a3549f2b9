using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Runtime.PostgreSql.Hosting;
using MailMesh.Runtime.RabbitMq;
using MailMesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Cluster.Tests.Fabric;

/// <summary>Silos in one process sharing a PostgreSQL schema and a RabbitMQ queue prefix (both fresh per test),
/// membership on a manual clock (the test moves time and refreshes), the fabric on the real broker.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    public const int Shards = 8;

    /// <summary>Which of silo-a and silo-b owns each shard once both run (<see cref="StartTwoSilosAsync"/>).</summary>
    public static readonly IReadOnlyList<string?> TwoSiloShardOwners = GrainShards.Assign(["silo-a", "silo-b"], Shards);
    private readonly List<TestSilo> _silos = [];

    public TestCluster()
    {
        TestServers.Require(Server.Postgres);
        TestServers.Require(Server.RabbitMq);
        Database = new ClusterDatabase(Clock, TimeSpan.FromSeconds(2));
    }

    public ManualTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero));

    public ClusterDatabase Database { get; }

    public string QueuePrefix { get; } = "t" + Guid.NewGuid().ToString("N")[..12];

    public IReadOnlyList<TestSilo> Silos => _silos;

    public async Task<TestSilo> StartSiloAsync(string id, int maxDeliveryAttempts = 5)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddMailMeshRuntime(o => o.CallTimeout = TimeSpan.FromSeconds(30));
        services.AddGrain<IClusterCounterGrain, ClusterCounterGrain>();
        services.AddGrain<IReminderProbeGrain, ReminderProbeGrain>();
        services.AddMailMeshPostgreSqlStorage(o =>
        {
            var options = Database.Options();
            o.ConnectionString = options.ConnectionString;
            o.Schema = options.Schema;
            o.MemberDeathTimeout = options.MemberDeathTimeout;
            o.EventPollInterval = options.EventPollInterval;
        });
        services.AddMailMeshClusterMembership(o =>
        {
            o.SiloId = id;
            o.Address = $"{id}:5081";
            o.ShardCount = Shards;
            o.RefreshInterval = TimeSpan.FromHours(1);
            o.DeclareDeadGracePeriod = TimeSpan.Zero;
        });
        services.AddMailMeshRabbitMqFabric(o =>
        {
            o.ConnectionString = TestServers.RabbitMqUri.ToString();
            o.QueuePrefix = QueuePrefix;
            o.MaxDeliveryAttempts = maxDeliveryAttempts;
        });
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        await provider.GetRequiredService<PostgreSqlStore>().InitializeAsync(CancellationToken.None);
        var silo = new TestSilo(id, provider);
        _silos.Add(silo);
        await silo.Silo.StartAsync();
        await silo.Membership.StartAsync(CancellationToken.None);
        await silo.Fabric.StartAsync(CancellationToken.None);
        return silo;
    }

    /// <summary>Starts silo-a and silo-b and lets them agree on the shard map (<see cref="TwoSiloShardOwners"/>).</summary>
    public async Task<(TestSilo A, TestSilo B)> StartTwoSilosAsync()
    {
        var a = await StartSiloAsync("silo-a");
        var b = await StartSiloAsync("silo-b");
        await ConvergeAsync();
        return (a, b);
    }

    /// <summary>The keys of <paramref name="candidates"/> whose <typeparamref name="TGrain"/> lives on a shard that
    /// <paramref name="silo"/> owns in the cluster of <see cref="StartTwoSilosAsync"/>.</summary>
    public static IEnumerable<string> KeysOwnedBy<TGrain>(string silo, IEnumerable<string> candidates)
    {
        var type = typeof(TGrain).FullName!;
        return candidates.Where(k => TwoSiloShardOwners[GrainShards.ShardOf(new GrainId(type, k), Shards)] == silo);
    }

    /// <summary>Every running silo reads the membership table and rebalances its shards.</summary>
    public async Task ConvergeAsync()
    {
        foreach (var silo in _silos.Where(s => s.IsRunning))
        {
            await silo.Membership.RefreshAsync();
        }

        foreach (var silo in _silos.Where(s => s.IsRunning))
        {
            await silo.Fabric.RebalanceAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        await Database.DisposeAsync();
        await ClusterLeftovers.DeleteQueuesAsync(TestServers.RabbitMqUri, QueuePrefix, Shards);
    }
}

/// <summary>One silo of a <see cref="TestCluster"/>.</summary>
public sealed class TestSilo(string id, ServiceProvider provider) : IAsyncDisposable
{
    public string Id { get; } = id;

    public MailMesh.Runtime.Silo Silo { get; } = provider.GetRequiredService<MailMesh.Runtime.Silo>();

    public MembershipService Membership { get; } = provider.GetRequiredService<MembershipService>();

    public RabbitMqFabric Fabric { get; } = provider.GetRequiredService<RabbitMqFabric>();

    public IGrainFactory Grains => Silo.GrainFactory;

    public bool IsRunning { get; private set; } = true;

    /// <summary>Graceful shutdown in the host's order: leave (hand-over), fabric, silo.</summary>
    public async Task LeaveAsync()
    {
        IsRunning = false;
        await Membership.StopAsync(CancellationToken.None);
        await Fabric.StopAsync(CancellationToken.None);
        await Silo.StopAsync();
    }

    /// <summary>As if the process died: the broker connection drops (unacknowledged deliveries return to their
    /// queues), heartbeats stop, nothing is handed over or written.</summary>
    public async Task CrashAsync()
    {
        IsRunning = false;
        await Membership.DisposeAsync();
        await Fabric.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        IsRunning = false;
        await Membership.DisposeAsync();
        await Fabric.DisposeAsync();
        await provider.DisposeAsync();
    }
}

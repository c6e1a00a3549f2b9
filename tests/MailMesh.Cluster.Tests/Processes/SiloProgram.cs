using System.Globalization;
using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.RabbitMq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MailMesh.Cluster.Tests.Processes;

/// <summary>One silo process of the process tests: the runtime with <see cref="IChaosCounterGrain"/>, PostgreSQL
/// storage and membership, the RabbitMQ fabric; settings from <c>CHAOS_*</c> variables. Prints <c>READY</c> once
/// started; SIGTERM shuts it down gracefully (leave, hand-over), as a real silo.</summary>
public static class SiloProgram
{
    public static async Task<int> RunAsync()
    {
        static string Env(string name) => Environment.GetEnvironmentVariable(name)
            ?? throw new InvalidOperationException($"The silo process needs the environment variable {name}.");
        static TimeSpan Millis(string name) => TimeSpan.FromMilliseconds(int.Parse(Env(name), CultureInfo.InvariantCulture));

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("MailMesh.Runtime.RabbitMq", LogLevel.Information); // connects, rebalances, reconnects
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));
        var services = builder.Services;
        services.AddMailMeshRuntime(o => o.CallTimeout = TimeSpan.FromSeconds(60));
        services.AddGrain<IChaosCounterGrain, ChaosCounterGrain>();
        services.AddMailMeshPostgreSqlStorage(o =>
        {
            o.ConnectionString = Env("CHAOS_POSTGRES");
            o.Schema = Env("CHAOS_SCHEMA");
            o.MemberDeathTimeout = Millis("CHAOS_DEATH_TIMEOUT_MS");
        });
        // The order of the product silo (SiloCluster): fabric first, so that at shutdown the membership service leaves
        // (and hands the shards over) before the fabric closes its connection.
        services.AddMailMeshRabbitMqFabric(o =>
        {
            o.ConnectionString = Env("CHAOS_RABBITMQ");
            o.QueuePrefix = Env("CHAOS_QUEUE_PREFIX");
            o.Heartbeat = TimeSpan.FromSeconds(2);
        });
        services.AddMailMeshClusterMembership(o =>
        {
            o.SiloId = Env("CHAOS_SILO_ID");
            o.Address = Env("CHAOS_SILO_ID") + ":0";
            o.ShardCount = int.Parse(Env("CHAOS_SHARDS"), CultureInfo.InvariantCulture);
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(500);
            o.RefreshInterval = TimeSpan.FromMilliseconds(500);
            o.DeclareDeadGracePeriod = TimeSpan.FromSeconds(2);
        });
        using var host = builder.Build();
        await ShardMapReporter.RunUntilShutdownAsync(host);
        return 0;
    }
}

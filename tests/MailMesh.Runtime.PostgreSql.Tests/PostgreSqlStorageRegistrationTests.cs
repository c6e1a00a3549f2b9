using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.PostgreSql.Hosting;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MailMesh.Runtime.PostgreSql.Tests;

public sealed class PostgreSqlStorageRegistrationTests : IAsyncLifetime
{
    private readonly string _schema = PostgreSqlBackend.NewSchema();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (TestServers.IsReachable(Server.Postgres))
        {
            await PostgreSqlBackend.DropSchemaAsync(_schema);
        }
    }

    private static IHost BuildHost(Action<IServiceCollection> configure, IDictionary<string, string?>? settings = null) =>
        new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(settings ?? new Dictionary<string, string?>()))
            .ConfigureServices(configure)
            .Build();

    [ServerFact(Server.Postgres)]
    public async Task AddMailMeshPostgreSqlStorage_ProvidersShareOneStoreMigratedAtStartUp()
    {
        using var host = BuildHost(s => s.AddMailMeshPostgreSqlStorage(), new Dictionary<string, string?>
        {
            ["Storage:PostgreSql:ConnectionString"] = TestServers.PostgresConnectionString,
            ["Storage:PostgreSql:Schema"] = _schema,
        });

        await host.StartAsync();

        var services = host.Services;
        var store = services.GetRequiredService<PostgreSqlStore>();
        Assert.Equal(PostgreSqlStore.LatestSchemaVersion, store.SchemaVersion);
        Assert.Equal(_schema, store.Schema);
        Assert.Contains(services.GetServices<IHostedService>(), h => h is PostgreSqlStorageInitializer);
        var draft = new EventDraft(Guid.NewGuid(), "acme", "mailbox.created", "acme/box", DateTimeOffset.UnixEpoch, "{}");
        await services.GetRequiredService<IGrainStorage>().WriteAsync("s", GrainId.Create("T", "acme/box"), "{}"u8.ToArray(), null, [draft]);
        Assert.Equal(draft.EventId, Assert.Single(await services.GetRequiredService<IEventLog>().ReadAsync(0, 10)).EventId);
        await services.GetRequiredService<IReminderTable>().UpsertAsync(GrainId.Create("T", "acme/box"), "r", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1));
        await services.GetRequiredService<IMembershipTable>().RegisterAsync("silo-1", "127.0.0.1:5081", DateTimeOffset.UnixEpoch);
        await host.StopAsync();
    }

    [Fact]
    public async Task AddMailMeshPostgreSqlStorage_NoConnectionString_StartFailsNamingTheSetting()
    {
        using var host = BuildHost(s => s.AddMailMeshPostgreSqlStorage());

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Storage:PostgreSql:ConnectionString is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddMailMeshPostgreSqlStorage_CalledTwiceWithDelegate_RegistersOnceAndAppliesTheDelegate()
    {
        var services = new ServiceCollection();
        services.AddMailMeshPostgreSqlStorage(o =>
        {
            o.ConnectionString = "Host=db.example;Database=mm;Username=u";
            o.Schema = "cluster_a";
        });
        services.AddMailMeshPostgreSqlStorage();

        Assert.Single(services, d => d.ServiceType == typeof(IGrainStorage));
        Assert.Single(services, d => d.ServiceType == typeof(IMembershipTable));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<PostgreSqlStore>();
        Assert.Equal("cluster_a", store.Schema);
        Assert.Equal("db.example:5432/mm", store.Server);
    }
}

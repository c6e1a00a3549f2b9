using MailMesh.Runtime.Sqlite.Hosting;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MailMesh.Runtime.Sqlite.Tests;

public sealed class SqliteStorageRegistrationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("data/mailmesh.db");

    public void Dispose() => _directory.Dispose();

    private static IHost BuildHost(Action<IServiceCollection> configure, IDictionary<string, string?>? settings = null) =>
        new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(settings ?? new Dictionary<string, string?>()))
            .ConfigureServices(configure)
            .Build();

    [Fact]
    public async Task AddMailMeshSqliteStorage_ProvidersShareOneStoreOpenedAtStartUp()
    {
        using var host = BuildHost(s => s.AddMailMeshSqliteStorage(o => o.DatabasePath = DatabasePath));

        await host.StartAsync();

        Assert.True(File.Exists(DatabasePath), "the hosted initializer did not create the database at start-up");
        var services = host.Services;
        var store = services.GetRequiredService<SqliteStore>();
        Assert.Equal(SqliteStore.LatestSchemaVersion, store.SchemaVersion);
        Assert.Same(services.GetRequiredService<IGrainStorage>(), services.GetRequiredService<IGrainStorage>());
        Assert.Contains(services.GetServices<IHostedService>(), h => h is SqliteStorageInitializer);
        var draft = new EventDraft(Guid.NewGuid(), "acme", "mailbox.created", "acme/box", DateTimeOffset.UnixEpoch, "{}");
        await services.GetRequiredService<IGrainStorage>().WriteAsync("s", GrainId.Create("T", "acme/box"), "{}"u8.ToArray(), null, [draft]);
        Assert.Equal(draft.EventId, Assert.Single(await services.GetRequiredService<IEventLog>().ReadAsync(0, 10)).EventId);
        await services.GetRequiredService<IReminderTable>().UpsertAsync(GrainId.Create("T", "acme/box"), "r", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1));
        await host.StopAsync();
    }

    [Fact]
    public async Task AddMailMeshSqliteStorage_CalledTwice_RegistersOnce()
    {
        var services = new ServiceCollection();
        services.AddMailMeshSqliteStorage(o => o.DatabasePath = DatabasePath);
        services.AddMailMeshSqliteStorage();

        Assert.Single(services, d => d.ServiceType == typeof(IGrainStorage));
        Assert.Single(services, d => d.ServiceType == typeof(IHostedService));
        await using var provider = services.BuildServiceProvider();
        Assert.Equal(Path.GetFullPath(DatabasePath), provider.GetRequiredService<SqliteStore>().DatabasePath);
    }

    [Fact]
    public void AddMailMeshSqliteStorage_ConfigurationSection_BindsOptions()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Sqlite:DatabasePath"] = DatabasePath,
            ["Storage:Sqlite:BusyTimeout"] = "00:00:02",
            ["Storage:Sqlite:MaxReadConnections"] = "3",
        };
        using var host = BuildHost(s => s.AddMailMeshSqliteStorage(), settings);

        var options = host.Services.GetRequiredService<IOptions<SqliteStorageOptions>>().Value;

        Assert.Equal(DatabasePath, options.DatabasePath);
        Assert.Equal(TimeSpan.FromSeconds(2), options.BusyTimeout);
        Assert.Equal(3, options.MaxReadConnections);
    }

    [Fact]
    public async Task StartAsync_NoDatabasePath_FailsSayingHowToFixIt()
    {
        using var host = BuildHost(s => s.AddMailMeshSqliteStorage());

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Storage:Sqlite:DatabasePath is not set; set MAILMESH__STORAGE__SQLITE__DATABASEPATH", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_CorruptedDatabase_FailsNamingTheFile()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        await File.WriteAllTextAsync(DatabasePath, new string('x', 4096));
        using var host = BuildHost(s => s.AddMailMeshSqliteStorage(o => o.DatabasePath = DatabasePath));

        var error = await Assert.ThrowsAsync<StorageException>(() => host.StartAsync());

        Assert.Contains(Path.GetFullPath(DatabasePath), error.Message, StringComparison.Ordinal);
    }
}

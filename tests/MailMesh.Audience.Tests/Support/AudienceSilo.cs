using MailMesh.Audience.ReadModel;
using MailMesh.Blobs;
using MailMesh.Runtime;
using MailMesh.Runtime.Hosting;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Audience.Tests.Support;

/// <summary>An embedded silo with SQLite storage, the audience and a local blob store in a temporary directory that
/// outlives restarts of the silo.</summary>
public sealed class AudienceSilo : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configure;
    private readonly PostgreSqlStorageOptions? _postgres;

    private AudienceSilo(string directory, Silo silo, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configure, PostgreSqlStorageOptions? postgres)
    {
        Directory = directory;
        Silo = silo;
        _settings = settings;
        _configure = configure;
        _postgres = postgres;
    }

    public string Directory { get; }

    public Silo Silo { get; private set; }

    public IGrainFactory Grains => Silo.GrainFactory;

    public IContactReadModel ReadModel => Silo.Services.GetRequiredService<IContactReadModel>();

    public IBlobStore Blobs => Silo.Services.GetRequiredService<IBlobStore>();

    public IEventLog Events => Silo.Services.GetRequiredService<IEventLog>();

    public string ReadModelPath => Path.Combine(Directory, "contacts.db");

    public string StatePath => Path.Combine(Directory, "silo.db");

    /// <summary>Starts a silo; <paramref name="configure"/> runs before the storage and audience registrations, so a
    /// service it registers wins over theirs.</summary>
    public static async Task<AudienceSilo> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "mailmesh-audience-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        settings ??= new Dictionary<string, string?>();
        return new AudienceSilo(directory, await Build(directory, settings, configure, null).StartAsync(), settings, configure, null);
    }

    /// <summary>Starts a silo as in cluster mode: grain state, events and the contacts read model in PostgreSQL
    /// (<paramref name="postgres"/>), blobs in the temporary directory.</summary>
    public static async Task<AudienceSilo> StartPostgresAsync(PostgreSqlStorageOptions postgres, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "mailmesh-audience-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        settings ??= new Dictionary<string, string?>();
        return new AudienceSilo(directory, await Build(directory, settings, null, postgres).StartAsync(), settings, null, postgres);
    }

    /// <summary>Stops the silo (gracefully) and starts a new one on the same files.</summary>
    public async Task RestartAsync()
    {
        await Silo.DisposeAsync();
        Silo = await Build(Directory, _settings, _configure, _postgres).StartAsync();
    }

    public async Task<IReadOnlyList<EventRecord>> EventsAsync(string tenant, string? typePrefix = null) =>
        await Events.ReadAsync(1, 100_000, new EventFilter(tenant, typePrefix));

    public async ValueTask DisposeAsync()
    {
        await Silo.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a pooled connection: the OS temp cleanup removes it.
        }
    }

    private static SiloBuilder Build(string directory, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configure, PostgreSqlStorageOptions? postgres)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new SiloBuilder().ConfigureServices(services =>
        {
            services.AddSingleton<IConfiguration>(configuration);
            configure?.Invoke(services);
            if (postgres is null)
            {
                services.AddMailMeshSqliteStorage(o => o.DatabasePath = Path.Combine(directory, "silo.db"));
            }
            else
            {
                services.AddMailMeshPostgreSqlStorage(o =>
                {
                    o.ConnectionString = postgres.ConnectionString;
                    o.Schema = postgres.Schema;
                });
                services.AddPostgreSqlContactReadModel();
            }

            services.AddMailMeshBlobStore(configuration, Path.Combine(directory, "blobs"));
            services.AddAudience(configuration, directory);
        });
    }
}

using MailMesh.Blobs;
using MailMesh.Engagement.Bounces;
using MailMesh.Grains.Campaigns;
using MailMesh.Runtime;
using MailMesh.Runtime.Hosting;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Engagement.Tests.Bounces;

/// <summary>A send log held in memory for tests (the campaigns module's SQL send log is tested there).</summary>
internal sealed class MemorySendLog : ISendLogReader
{
    private readonly Dictionary<SendId, SendRecord> _records = [];

    public SendRecord Add(string tenant, string campaignId, string address)
    {
        var id = SendId.For(tenant, campaignId, address);
        var now = DateTimeOffset.UtcNow;
        var record = new SendRecord(tenant, campaignId, address, id, SendStatus.Sent, 1, $"{id}.{campaignId}@mail.example.com", 250, "ok", now, now, null);
        lock (_records)
        {
            _records[id] = record;
        }

        return record;
    }

    public Task<SendRecord?> FindAsync(string tenant, SendId sendId, CancellationToken cancellationToken = default)
    {
        lock (_records)
        {
            return Task.FromResult(_records.TryGetValue(sendId, out var r) && r.Tenant == tenant ? r : null);
        }
    }

    public Task<SendRecord?> FindAnyTenantAsync(SendId sendId, CancellationToken cancellationToken = default)
    {
        lock (_records)
        {
            return Task.FromResult(_records.TryGetValue(sendId, out var r) ? r : null);
        }
    }
}

/// <summary>An embedded silo with SQLite storage, the audience and bounce processing over a <see cref="MemorySendLog"/>.</summary>
internal sealed class BounceSilo : IAsyncDisposable
{
    private BounceSilo(string directory, Silo silo, MemorySendLog sendLog)
    {
        Directory = directory;
        Silo = silo;
        SendLog = sendLog;
    }

    public string Directory { get; }

    public Silo Silo { get; }

    public MemorySendLog SendLog { get; }

    public IGrainFactory Grains => Silo.GrainFactory;

    public BounceProcessor Processor => Silo.Services.GetRequiredService<BounceProcessor>();

    public BounceStore Store => Silo.Services.GetRequiredService<BounceStore>();

    public IEventLog Events => Silo.Services.GetRequiredService<IEventLog>();

    public static async Task<BounceSilo> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "mailmesh-bounce-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        var sendLog = new MemorySendLog();
        var silo = await new SiloBuilder().ConfigureServices(services =>
        {
            services.AddSingleton<IConfiguration>(configuration);
            services.AddSingleton<ISendLogReader>(sendLog);
            configure?.Invoke(services);
            services.AddMailMeshSqliteStorage(o => o.DatabasePath = Path.Combine(directory, "silo.db"));
            services.AddMailMeshBlobStore(configuration, Path.Combine(directory, "blobs"));
            services.AddAudience(configuration, directory);
            services.AddBounceProcessing(configuration, directory);
        }).StartAsync();
        return new BounceSilo(directory, silo, sendLog);
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
}

using System.Security.Cryptography;
using MailMesh.Blobs;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Runtime;
using MailMesh.Runtime.Hosting;
using MailMesh.Runtime.Sqlite;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Mailboxes.Tests.Support;

/// <summary>An embedded silo with SQLite storage, mailbox sync and a local blob store in a temporary directory
/// that outlives restarts of the silo.</summary>
public sealed class SyncSilo : IAsyncDisposable
{
    public static readonly string CredentialKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly TimeProvider? _clock;
    private readonly Action<string, IServiceCollection>? _configure;

    private SyncSilo(
        string directory, Silo silo, SyncObserver observer, int batchSize, IReadOnlyDictionary<string, string?> settings, TimeProvider? clock,
        Action<string, IServiceCollection>? configure)
    {
        _clock = clock;
        _configure = configure;
        Directory = directory;
        Silo = silo;
        Observer = observer;
        BatchSize = batchSize;
        _settings = settings;
    }

    public string Directory { get; }

    public Silo Silo { get; private set; }

    public SyncObserver Observer { get; }

    public int BatchSize { get; }

    public IGrainFactory Grains => Silo.GrainFactory;

    public IMessageIndex Index => Silo.Services.GetRequiredService<IMessageIndex>();

    public IBlobStore Blobs => Silo.Services.GetRequiredService<IBlobStore>();

    public IEventLog Events => Silo.Services.GetRequiredService<IEventLog>();

    /// <summary>Starts a silo; <paramref name="settings"/> override the Mailboxes configuration (e.g. ResumeDelay);
    /// <paramref name="clock"/> replaces the silo's TimeProvider; <paramref name="configure"/> (given the directory) registers
    /// services before mailbox sync does, e.g. a decorated index or blob store (on every start, restarts included).</summary>
    public static async Task<SyncSilo> StartAsync(
        int batchSize = 250, string? directory = null, SyncObserver? observer = null, IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? clock = null,
        Action<string, IServiceCollection>? configure = null)
    {
        directory ??= Path.Combine(Path.GetTempPath(), "mailmesh-sync-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        observer ??= new SyncObserver();
        settings ??= new Dictionary<string, string?>();
        var silo = await Build(directory, observer, batchSize, settings, clock, configure).StartAsync();
        return new SyncSilo(directory, silo, observer, batchSize, settings, clock, configure);
    }

    /// <summary>Stops the silo (gracefully) and starts a new one on the same files.</summary>
    public async Task RestartAsync()
    {
        await Silo.DisposeAsync();
        Silo = await Build(Directory, Observer, BatchSize, _settings, _clock, _configure).StartAsync();
    }

    /// <summary>Creates a mailbox and configures its source; returns its grain.</summary>
    public async Task<IMailboxGrain> CreateMailboxAsync(string key, MailboxSource source)
    {
        var mailbox = Grains.GetGrain<IMailboxGrain>(key);
        await mailbox.Create(new CreateMailbox(key, null));
        await mailbox.ConfigureSource(source);
        return mailbox;
    }

    public async Task<IReadOnlyList<EventRecord>> EventsOfAsync(string subject, string? typePrefix = null)
    {
        var tenant = subject[..subject.IndexOf('/', StringComparison.Ordinal)];
        return await Events.ReadAsync(1, 100_000, new EventFilter(tenant, typePrefix, subject));
    }

    public async ValueTask DisposeAsync()
    {
        await Silo.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a background reader: the OS temp cleanup removes it.
        }
    }

    private static SiloBuilder Build(
        string directory, SyncObserver observer, int batchSize, IReadOnlyDictionary<string, string?> settings, TimeProvider? clock,
        Action<string, IServiceCollection>? configure)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mailboxes:CredentialKey"] = CredentialKey,
            ["Mailboxes:BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mailboxes:RetryBaseDelay"] = "00:10:00",
            ["Mailboxes:RetryMaxDelay"] = "01:00:00",
            ["Mailboxes:ConnectTimeout"] = "00:00:10",
            ["Mailboxes:CommandTimeout"] = "00:00:20",
        }).AddInMemoryCollection(settings).Build();
        return new SiloBuilder()
            .ConfigureServices(services =>
            {
                services.AddSingleton<IConfiguration>(configuration);
                if (clock is not null)
                {
                    services.AddSingleton(clock);
                }

                services.AddMailMeshSqliteStorage(o => o.DatabasePath = Path.Combine(directory, "silo.db"));
                configure?.Invoke(directory, services);
                services.AddMailboxSync(configuration, directory);
                services.AddSingleton<IMailboxSyncObserver>(observer);
            })
            .AddGrainsFromAssembly(typeof(MailboxGrain).Assembly);
    }
}

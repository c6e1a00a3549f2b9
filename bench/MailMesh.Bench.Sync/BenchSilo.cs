using System.Diagnostics;
using System.Security.Cryptography;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Runtime;
using MailMesh.Runtime.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Bench.Sync;

/// <summary>An embedded silo (SQLite grain store, local blob store, SQLite index) in its own directory, with a
/// barrier on sync run completions.</summary>
internal sealed class BenchSilo : IAsyncDisposable, IMailboxSyncObserver
{
    private readonly object _gate = new();
    private readonly Silo _silo;
    private TaskCompletionSource<MailboxSyncStatus>? _next;

    private BenchSilo(string directory, Silo silo)
    {
        Directory = directory;
        _silo = silo;
    }

    public string Directory { get; }

    public IGrainFactory Grains => _silo.GrainFactory;

    public IServiceProvider Services => _silo.Services;

    public static async Task<BenchSilo> StartAsync(string directory, int batchSize = 1000)
    {
        System.IO.Directory.CreateDirectory(directory);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mailboxes:CredentialKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Mailboxes:BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        BenchSilo? self = null;
        var observer = new Relay(() => self);
        var silo = await new SiloBuilder()
            .ConfigureServices(services =>
            {
                services.AddSingleton<IConfiguration>(configuration);
                services.AddMailMeshSqliteStorage(o => o.DatabasePath = Path.Combine(directory, "silo.db"));
                services.AddMailboxSync(configuration, Path.Combine(directory, "data"));
                services.AddSingleton<IMailboxSyncObserver>(observer);
            })
            .AddGrainsFromAssembly(typeof(MailboxGrain).Assembly)
            .StartAsync();
        self = new BenchSilo(directory, silo);
        return self;
    }

    /// <summary>Creates the mailbox, configures its source (which starts the first run) and waits for that run.</summary>
    public async Task<(MailboxSyncStatus Status, TimeSpan Elapsed)> InitialSyncAsync(string key, MailboxSource source)
    {
        var mailbox = Grains.GetGrain<IMailboxGrain>(key);
        await mailbox.Create(new CreateMailbox("Bench", null));
        var next = Arm();
        var clock = Stopwatch.StartNew();
        await mailbox.ConfigureSource(source);
        var status = await next.WaitAsync(TimeSpan.FromMinutes(15));
        return (status, clock.Elapsed);
    }

    /// <summary>Triggers a run and waits for it.</summary>
    public async Task<(MailboxSyncStatus Status, TimeSpan Elapsed)> SyncAsync(string key)
    {
        var next = Arm();
        var clock = Stopwatch.StartNew();
        await Grains.GetGrain<IMailboxGrain>(key).SyncNow();
        var status = await next.WaitAsync(TimeSpan.FromMinutes(15));
        return (status, clock.Elapsed);
    }

    public async ValueTask DisposeAsync() => await _silo.DisposeAsync();

    void IMailboxSyncObserver.RunCompleted(string mailbox, MailboxSyncStatus status)
    {
        lock (_gate)
        {
            _next?.TrySetResult(status);
        }
    }

    void IMailboxSyncObserver.BatchCommitted(string mailbox, int count)
    {
    }

    void IMailboxSyncObserver.IdleStarted(string mailbox)
    {
    }

    private Task<MailboxSyncStatus> Arm()
    {
        lock (_gate)
        {
            _next = new TaskCompletionSource<MailboxSyncStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
            return _next.Task;
        }
    }

    /// <summary>Registered before the silo exists; forwards to it once it does.</summary>
    private sealed class Relay(Func<BenchSilo?> target) : IMailboxSyncObserver
    {
        public void RunCompleted(string mailbox, MailboxSyncStatus status) => ((IMailboxSyncObserver?)target())?.RunCompleted(mailbox, status);

        public void BatchCommitted(string mailbox, int count)
        {
        }

        public void IdleStarted(string mailbox)
        {
        }
    }

    /// <summary>Throws when a run did not end cleanly with <paramref name="expected"/> messages.</summary>
    public static void Check(MailboxSyncStatus status, long expected)
    {
        if (status.LastErrorKind != SyncErrorKind.None || status.MessageCount != expected)
        {
            throw new InvalidOperationException($"MailMesh sync ended with {status.LastErrorKind} ({status.LastError}) and {status.MessageCount} of {expected} messages.");
        }
    }
}

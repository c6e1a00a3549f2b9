using System.Globalization;
using MailMesh.Blobs;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Grains.Rules;
using MailMesh.Mailboxes.Tests.Support;
using MailMesh.Runtime;
using MailMesh.Runtime.Hosting;
using MailMesh.Runtime.Sqlite;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Mailboxes.Tests.Rules;

/// <summary>An embedded silo with mailbox sync and rules (SMTP submission to the project's capture sink).</summary>
public sealed class RulesSilo : IAsyncDisposable
{
    private RulesSilo(string directory, Silo silo, SyncObserver observer)
    {
        Directory = directory;
        Silo = silo;
        Observer = observer;
    }

    /// <summary>The SRS key redirects are signed with.</summary>
    public const string SrsSecret = "rules-tests-srs-secret";

    /// <summary>The forwarding domain of SRS addresses.</summary>
    public const string SrsDomain = "forward.example";

    public string Directory { get; }

    public Silo Silo { get; private set; }

    public SyncObserver Observer { get; }

    public IGrainFactory Grains => Silo.GrainFactory;

    public IMessageIndex Index => Silo.Services.GetRequiredService<IMessageIndex>();

    public IBlobStore Blobs => Silo.Services.GetRequiredService<IBlobStore>();

    public IEventLog Events => Silo.Services.GetRequiredService<IEventLog>();

    public static async Task<RulesSilo> StartAsync(string? directory = null)
    {
        directory ??= Path.Combine(Path.GetTempPath(), "mailmesh-rules-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var observer = new SyncObserver();
        return new RulesSilo(directory, await Build(directory, observer).StartAsync(), observer);
    }

    public async Task RestartAsync()
    {
        await Silo.DisposeAsync();
        Silo = await Build(Directory, Observer).StartAsync();
    }

    public IMailboxRulesGrain Rules(string key) => Grains.GetGrain<IMailboxRulesGrain>(key);

    public async Task<IReadOnlyList<EventRecord>> EventsOfAsync(string subject, string? typePrefix = null)
    {
        var tenant = subject[..subject.IndexOf('/', StringComparison.Ordinal)];
        return await Events.ReadAsync(1, 100_000, new EventFilter(tenant, typePrefix, subject));
    }

    /// <summary>Waits until <paramref name="done"/> holds for the events of <paramref name="subject"/> (rule runs happen in
    /// the mailbox's own timer turns, after the sync run that found the message).</summary>
    public async Task<IReadOnlyList<EventRecord>> WaitForEventsAsync(string subject, Func<IReadOnlyList<EventRecord>, bool> done, string what, int seconds = 60)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var events = await EventsOfAsync(subject);
            if (done(events))
            {
                return events;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {seconds} s for {what}; events so far: {string.Join(", ", events.Select(e => e.Type))}");
            }

            await Task.Delay(50);
        }
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

    private static SiloBuilder Build(string directory, SyncObserver observer)
    {
        var smtp = TestServers.SmtpCapture.Address;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mailboxes:CredentialKey"] = SyncSilo.CredentialKey,
            ["Mailboxes:RetryBaseDelay"] = "00:10:00",
            ["Mailboxes:RetryMaxDelay"] = "01:00:00",
            ["Mailboxes:ConnectTimeout"] = "00:00:10",
            ["Mailboxes:CommandTimeout"] = "00:00:20",
            ["Rules:Smtp:Host"] = smtp.Host,
            ["Rules:Smtp:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Rules:Smtp:Tls"] = "None",
            ["Rules:Smtp:LocalDomain"] = "rules.test",
            ["Rules:Srs:Secrets:0"] = SrsSecret,
            ["Rules:Srs:Domain"] = SrsDomain,
        }).Build();
        return new SiloBuilder()
            .ConfigureServices(services =>
            {
                services.AddSingleton<IConfiguration>(configuration);
                services.AddMailMeshSqliteStorage(o => o.DatabasePath = Path.Combine(directory, "silo.db"));
                services.AddMailboxSync(configuration, directory);
                services.AddMailboxRules(configuration);
                services.AddSingleton<IMailboxSyncObserver>(observer);
            })
            .AddGrainsFromAssembly(typeof(MailboxGrain).Assembly);
    }
}

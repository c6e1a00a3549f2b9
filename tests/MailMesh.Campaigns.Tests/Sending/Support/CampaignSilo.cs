using MailMesh.Campaigns.Composition;
using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Protocols.Smtp;
using MailMesh.Runtime;
using MailMesh.Runtime.Hosting;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailMesh.Campaigns.Tests.Sending.Support;

/// <summary>An embedded silo with SQLite storage, the audience and campaigns in a temporary directory, a recording
/// submitter and (unless told otherwise) the test composer and template directory.</summary>
public sealed class CampaignSilo : IAsyncDisposable
{
    public const string Tenant = "acme";

    private readonly IReadOnlyDictionary<string, string?> _settings;

    private readonly IMailSubmitter _relay;

    private Action<IServiceCollection>? _services;

    private CampaignSilo(string directory, IReadOnlyDictionary<string, string?> settings, ScriptedSubmitter submitter, IMailSubmitter? relay)
    {
        Directory = directory;
        _settings = settings;
        Submitter = submitter;
        _relay = relay ?? submitter;
    }

    public string Directory { get; }

    public Silo Silo { get; private set; } = null!;

    public ScriptedSubmitter Submitter { get; }

    public IGrainFactory Grains => Silo.GrainFactory;

    public ISendLog SendLog => Silo.Services.GetRequiredService<ISendLog>();

    public ObservedSendLog ObservedLog => (ObservedSendLog)SendLog;

    public IEventLog Events => Silo.Services.GetRequiredService<IEventLog>();

    /// <summary>Settings every test gets unless it overrides them: quick drive ticks and retries.</summary>
    public static IReadOnlyDictionary<string, string?> Defaults { get; } = new Dictionary<string, string?>
    {
        ["Campaigns:DriveInterval"] = "00:00:00.050",
        ["Campaigns:ReminderPeriod"] = "00:00:01",
        ["Campaigns:Shards"] = "2",
        ["Campaigns:Relay:Deferral:InitialDelay"] = "00:00:00.100",
        ["Campaigns:Relay:Deferral:Jitter"] = "0",
        ["Campaigns:PauseAfterConsecutiveRefusals"] = "0",
        ["Campaigns:Composition:ReturnPathDomain"] = "bounces.shop.example",
        ["Tracking:PublicBaseUrl"] = "https://t.shop.example",
        ["Tracking:Keys:0:Id"] = "1",
        ["Tracking:Keys:0:Key"] = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    };

    /// <summary>Whether the test composer and template directory replace the real ones (to script a template that
    /// cannot compile at send time, which the real directory refuses to save).</summary>
    public bool FakeComposition { get; private init; }

    /// <summary>Whether no submitter is registered by the test (the silo then has no relay unless one is configured).</summary>
    public bool WithoutRelay { get; private init; }

    /// <summary>Starts a silo in <paramref name="directory"/> (a new temporary one when null); <paramref name="relay"/>
    /// replaces the scripted submitter; <paramref name="services"/> registers last (to replace a service).</summary>
    public static async Task<CampaignSilo> StartAsync(
        IReadOnlyDictionary<string, string?>? overrides = null, string? directory = null, IMailSubmitter? relay = null, bool fakeComposition = false,
        bool withoutRelay = false, Action<IServiceCollection>? services = null)
    {
        directory ??= Path.Combine(Path.GetTempPath(), "mailmesh-campaign-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var settings = new Dictionary<string, string?>(Defaults);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var silo = new CampaignSilo(directory, settings, new ScriptedSubmitter(), relay) { FakeComposition = fakeComposition, WithoutRelay = withoutRelay, _services = services };
        silo.Silo = await silo.Build().StartAsync();
        return silo;
    }

    /// <summary>Stops the silo gracefully and starts a new one on the same files.</summary>
    public async Task RestartAsync()
    {
        await Silo.DisposeAsync();
        Silo = await Build().StartAsync();
    }

    public ICampaignGrain Campaign(string id) => Grains.GetGrain<ICampaignGrain>(Tenant + "/" + id);

    public IContactGrain Contact(string address) => Grains.GetGrain<IContactGrain>(ContactAddress.KeyFor(Tenant, address));

    /// <summary>Adds contacts on <paramref name="list"/>, a segment "everyone" of them and the template "welcome".</summary>
    public async Task SeedAsync(IEnumerable<string> addresses, string list = "news", string subject = "Hello {{first_name}}", IReadOnlyDictionary<string, string>? zones = null)
    {
        foreach (var address in addresses)
        {
            var attributes = new Dictionary<string, AttributeValue?> { ["first_name"] = AttributeValue.Of(address.Split('@')[0]) };
            if (zones is not null && zones.TryGetValue(address, out var zone))
            {
                attributes["time_zone"] = AttributeValue.Of(zone);
            }

            await Contact(address).Upsert(new ContactChange(attributes, AddLists: [list]));
        }

        await Grains.GetGrain<ISegmentDirectoryGrain>(Tenant + "/segments").Save(new SegmentDefinition("everyone", $"in list \"{list}\"", SegmentMode.Dynamic), replace: true);
        await Grains.GetGrain<ITemplateDirectoryGrain>(Tenant + "/templates").Save(new TemplateDefinition("welcome", subject, null, "Hi {{first_name}}"), replace: true);
    }

    public static CampaignDefinition Definition(string? list = "news", CampaignThrottle? throttle = null, IReadOnlyList<SendWindow>? windows = null, TimeSpan? maxDeferral = null) =>
        new("Welcome", "welcome", "everyone", list, new CampaignSender("news@shop.example", "Shop"), "UTC", windows ?? [], 0,
            throttle ?? new CampaignThrottle(SlowStart: false), maxDeferral ?? TimeSpan.FromHours(1));

    /// <summary>Waits until an event of <paramref name="type"/> about campaign <paramref name="id"/> is in the log.</summary>
    public async Task<EventRecord> WaitForEventAsync(string id, string type, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        var after = 0L;
        while (true)
        {
            var events = await Events.ReadAsync(after + 1, 1000, new EventFilter(Tenant, null, Tenant + "/" + id), cts.Token);
            foreach (var e in events)
            {
                if (e.Type == type)
                {
                    return e;
                }

                after = e.Sequence;
            }

            if (events.Count == 0)
            {
                var last = await Events.GetLastSequenceAsync(cts.Token);
                try
                {
                    await Events.WaitForEventsAsync(Math.Max(after, last), cts.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"no '{type}' event of campaign '{id}' within {timeout ?? TimeSpan.FromSeconds(90)}; last status: {(await Campaign(id).Get())?.Status}.");
                }
            }
            else
            {
                after = events[^1].Sequence;
            }
        }
    }

    public async Task<IReadOnlyList<EventRecord>> EventsAsync(string id) =>
        await Events.ReadAsync(1, 100_000, new EventFilter(Tenant, null, Tenant + "/" + id));

    public async ValueTask DisposeAsync()
    {
        await Silo.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: the OS temp cleanup removes it.
        }
    }

    private SiloBuilder Build()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(_settings).Build();
        return new SiloBuilder().ConfigureServices(services =>
        {
            services.AddSingleton<IConfiguration>(configuration);
            if (Environment.GetEnvironmentVariable("MAILMESH_TEST_LOG") == "1")
            {
                services.AddLogging(b => b.AddSimpleConsole().SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Warning));
            }

            services.AddMailMeshSqliteStorage(o => o.DatabasePath = Path.Combine(Directory, "silo.db"));
            services.AddAudience(configuration, Directory);
            services.AddSingleton<ISendLog>(_ => new ObservedSendLog(new SqliteSendLog(Path.Combine(Directory, "campaigns.db"))));
            services.AddCampaigns(configuration, Directory);
            // With Campaigns:Relay:Host set and no relay given, the real pooled submitter (from AddCampaigns) sends.
            if (!WithoutRelay && (!ReferenceEquals(_relay, Submitter) || string.IsNullOrEmpty(configuration["Campaigns:Relay:Host"])))
            {
                services.AddSingleton(_relay);
            }
            if (FakeComposition)
            {
                services.AddSingleton<ICampaignMessageComposer, TestComposer>();
                services.AddGrain<ITemplateDirectoryGrain, TestTemplateDirectoryGrain>();
            }

            _services?.Invoke(services);
        });
    }
}

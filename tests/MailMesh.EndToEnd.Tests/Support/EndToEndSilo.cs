using System.Globalization;
using System.Text.Json;
using MailMesh.Campaigns.SendLog;
using MailMesh.Engagement.Bounces;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Contacts;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;
using MailMesh.Silo.Hosting;
using MailMesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.EndToEnd.Tests.Support;

/// <summary>The real silo host (<see cref="SiloHost.Build"/>, everything the <c>mailmesh-silo</c> binary wires) in this
/// process, with its data in a temporary directory, gRPC and health on ephemeral ports, the public tracking listener on a
/// free loopback port that is also its public base URL (so the URLs in sent messages can be hit as they are), and the
/// campaign relay pointed at the project's aiosmtpd capture server.</summary>
public sealed class EndToEndSilo : IAsyncDisposable
{
    /// <summary>The tenant every end-to-end test works in (recipient domains carry a per-test tag).</summary>
    public const string Tenant = "acme";

    /// <summary>The campaign's list.</summary>
    public const string List = "news";

    private EndToEndSilo(WebApplication app, string dataDirectory, Uri trackingBase)
    {
        App = app;
        DataDirectory = dataDirectory;
        TrackingBase = trackingBase;
    }

    public WebApplication App { get; }

    public string DataDirectory { get; }

    /// <summary>The tracking listener's address, which is also <c>Tracking:PublicBaseUrl</c>.</summary>
    public Uri TrackingBase { get; }

    public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();

    public IEventLog Events => App.Services.GetRequiredService<IEventLog>();

    public HitStore Hits => App.Services.GetRequiredService<HitStore>();

    public BounceStore Bounces => App.Services.GetRequiredService<BounceStore>();

    public BounceMailboxReader BounceReader => App.Services.GetRequiredService<BounceMailboxReader>();

    public ISendLog SendLog => App.Services.GetRequiredService<ISendLog>();

    /// <summary>Settings every end-to-end silo gets (a test may override them): quick campaign ticks, and the
    /// classifier's "too soon after sending" windows off, because the tests open and click seconds after sending (the
    /// rules themselves are tested in the engagement tests; here machine hits come from a scanner's user agent and HEAD).</summary>
    public static IReadOnlyDictionary<string, string?> Defaults { get; } = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Campaigns:DriveInterval"] = "00:00:00.050",
        ["Campaigns:ReminderPeriod"] = "00:00:01",
        ["Campaigns:Shards"] = "2",
        ["Campaigns:PauseAfterConsecutiveRefusals"] = "0",
        ["Campaigns:Relay:Tls"] = "None",
        ["Campaigns:Composition:ReturnPathDomain"] = "bounces.shop.example",
        ["Tracking:Classification:PreOpenWindow"] = "00:00:00",
        ["Tracking:Classification:PreClickWindow"] = "00:00:00",
        ["Tracking:Classification:ClickBurstWindow"] = "00:00:00",
    };

    /// <summary>Starts the silo host with <see cref="Defaults"/> and <paramref name="overrides"/>.</summary>
    public static async Task<EndToEndSilo> StartAsync(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var capture = TestServers.SmtpCapture;
        var dataDirectory = Path.Combine(Path.GetTempPath(), "mailmesh-e2e-" + Guid.NewGuid().ToString("N"));
        // The tracking port is picked free a moment before the silo binds it; another process may take it in between, so
        // a silo whose listener did not come up is discarded and started again on another port.
        for (var attempt = 1; ; attempt++)
        {
            var tracking = Loopback.FreeHttpUrl();
            var settings = new Dictionary<string, string?>(Defaults)
            {
                ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:0",
                ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
                ["Silo:DataDirectory"] = dataDirectory,
                ["Tracking:Listen"] = tracking,
                ["Tracking:PublicBaseUrl"] = tracking,
                ["Campaigns:Relay:Host"] = capture.Address.Host,
                ["Campaigns:Relay:Port"] = capture.Address.Port.ToString(CultureInfo.InvariantCulture),
            };
            foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
            {
                settings[key] = value;
            }

            var app = SiloHost.Build([.. settings.SelectMany(s => new[] { "--" + s.Key, s.Value ?? "" })]);
            try
            {
                await app.StartAsync();
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }

            var listener = app.Services.GetRequiredService<TrackingListener>();
            if (listener.Address is not null)
            {
                return new EndToEndSilo(app, dataDirectory, new Uri(tracking));
            }

            await app.StopAsync();
            await app.DisposeAsync();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"The silo's tracking listener did not start on a free loopback port in {attempt} attempts (last: {tracking}).");
            }
        }
    }

    public IContactGrain Contact(string address) => Grains.GetGrain<IContactGrain>(ContactAddress.KeyFor(Tenant, address));

    public ICampaignGrain Campaign(string id) => Grains.GetGrain<ICampaignGrain>(Tenant + "/" + id);

    public Task<ContactInfo?> ContactAsync(string address) => Contact(address).Get();

    /// <summary>Saves the segment "everyone" (members of <see cref="List"/>) and <paramref name="template"/>, and adds
    /// <paramref name="contacts"/> to the list.</summary>
    public async Task SeedAsync(IEnumerable<(string Address, IReadOnlyDictionary<string, AttributeValue?> Attributes)> contacts, TemplateDefinition template)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        foreach (var (address, attributes) in contacts)
        {
            await Contact(address).Upsert(new ContactChange(new Dictionary<string, AttributeValue?>(attributes), AddLists: [List]));
        }

        await Grains.GetGrain<ISegmentDirectoryGrain>(Tenant + "/segments").Save(new SegmentDefinition("everyone", $"in list \"{List}\"", SegmentMode.Dynamic), replace: true);
        await Grains.GetGrain<ITemplateDirectoryGrain>(Tenant + "/templates").Save(template, replace: true);
    }

    /// <summary>Creates campaign <paramref name="id"/> from template <paramref name="template"/> to the segment
    /// "everyone", schedules it now and waits for <c>campaign.completed</c>.</summary>
    public async Task<CampaignInfo> SendCampaignAsync(string id, string template)
    {
        await Campaign(id).Create(new CampaignDefinition(
            "Spring", template, "everyone", List, new CampaignSender("news@shop.example", "Shop"), "UTC", [], 0,
            new CampaignThrottle(SlowStart: false), TimeSpan.FromHours(1)));
        await Campaign(id).Schedule(null);
        await Poll.UntilAsync(
            $"campaign '{id}' to complete (event campaign.completed)",
            async () => (Events: await EventsAsync(null, Tenant + "/" + id), Info: await Campaign(id).Get()),
            s => s.Events.Any(e => e.Type == "campaign.completed"),
            describe: s => $"status {s.Info?.Status}, progress {s.Info?.Progress}, events [{string.Join(", ", s.Events.Select(e => e.Type))}]");
        return (await Campaign(id).Get())!;
    }

    /// <summary>The tenant's events whose type is <paramref name="typePrefix"/> (or starts with it and a dot), optionally
    /// only about <paramref name="subject"/>.</summary>
    public async Task<IReadOnlyList<EventRecord>> EventsAsync(string? typePrefix, string? subject = null) =>
        await Events.ReadAsync(1, 1_000_000, new EventFilter(Tenant, typePrefix, subject));

    /// <summary>Events of <paramref name="type"/> about the contact <paramref name="address"/>.</summary>
    public async Task<IReadOnlyList<EventRecord>> ContactEventsAsync(string address, string type) =>
        [.. (await EventsAsync(type, ContactAddress.KeyFor(Tenant, address))).Where(e => e.Type == type)];

    /// <summary>A string property of an event's JSON payload.</summary>
    public static string? Payload(EventRecord e, string property)
    {
        ArgumentNullException.ThrowIfNull(e);
        using var json = JsonDocument.Parse(e.PayloadJson);
        return json.RootElement.TryGetProperty(property, out var value)
            ? value.ValueKind switch { JsonValueKind.String => value.GetString(), JsonValueKind.Null => null, _ => value.GetRawText() }
            : null;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: the OS temp cleanup removes it.
        }
    }
}

using System.Net;
using System.Security.Cryptography;
using MailMesh.Api.V1;
using MailMesh.Blobs;
using MailMesh.Campaigns.SendLog;
using MailMesh.Client;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Engagement;
using MailMesh.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailMesh.Reports.Tests;

/// <summary>An embedded silo with the audience, campaigns, engagement tracking, bounce processing and reports, serving
/// gRPC (h2c) and the HTML report pages (HTTP/1.1) on two ephemeral loopback ports. <see cref="SeedAsync"/> makes a
/// tenant with one campaign whose send log, hits and bounce ledgers hold a known story.</summary>
public sealed class ReportsSilo : IAsyncLifetime
{
    private WebApplication _app = null!;
    private string _directory = null!;
    private int _tenants;

    /// <summary>The gRPC address.</summary>
    public Uri GrpcAddress { get; private set; } = null!;

    /// <summary>The HTTP/1.1 address of the report pages.</summary>
    public Uri PageAddress { get; private set; } = null!;

    public string OperatorKey { get; private set; } = null!;

    public IServiceProvider Services => _app.Services;

    public async Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("mailmesh-reports-silo-").FullName;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tracking:PublicBaseUrl"] = "http://127.0.0.1:9/",
            ["Tracking:Listen"] = "http://127.0.0.1:0",
            ["Tracking:Keys:0:Id"] = "1",
            ["Tracking:Keys:0:Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Campaigns:Composition:ReturnPathDomain"] = "bounces.example.com",
        }).Build();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        ListenOptions grpc = null!, page = null!;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, l => (grpc = l).Protocols = HttpProtocols.Http2);
            k.Listen(IPAddress.Loopback, 0, l => (page = l).Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddSingleton<IConfiguration>(configuration);
        builder.Services.AddMailMeshRuntime();
        builder.Services.AddMailMeshSqliteStorage(o =>
        {
            o.DatabasePath = Path.Combine(_directory, "mailmesh.db");
            o.EventPollInterval = TimeSpan.FromMilliseconds(50);
        });
        builder.Services.AddMailMeshBlobStore(configuration, Path.Combine(_directory, "blobs"));
        builder.Services.AddAudience(configuration, _directory);
        builder.Services.AddCampaigns(configuration, _directory);
        builder.Services.AddEngagementTracking(configuration, _directory);
        builder.Services.AddBounceProcessing(configuration, _directory);
        builder.Services.AddCampaignReports(configuration, _directory);
        builder.Services.AddMailMeshApi(o => o.BootstrapKeyFile = Path.Combine(_directory, "operator.key"));
        _app = builder.Build();
        _app.MapMailMeshGrpc();
        _app.MapMailMeshReportPages();
        await _app.StartAsync();
        GrpcAddress = new Uri($"http://127.0.0.1:{grpc.IPEndPoint!.Port}/");
        PageAddress = new Uri($"http://127.0.0.1:{page.IPEndPoint!.Port}/");
        OperatorKey = (await File.ReadAllTextAsync(Path.Combine(_directory, "operator.key"))).Trim();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a pooled connection: the OS temp cleanup removes it.
        }
    }

    public MailMeshClient Client(string key) => new(GrpcAddress, new GrpcChannelOptions { ApiKey = key, DefaultTimeout = TimeSpan.FromSeconds(60) });

    /// <summary>Runs the CLI against this silo with <paramref name="key"/>; returns the exit code, standard output and error.</summary>
    public async Task<(int Code, string Out, string Err)> RunCliAsync(string key, params string[] args)
    {
        var env = new Dictionary<string, string?> { ["MAILMESH_URL"] = GrpcAddress.ToString(), ["MAILMESH_KEY"] = key, ["MAILMESH_CONFIG"] = "/nonexistent/profiles.json" };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await new MailMesh.Cli.CliApp(output, error, name => env.GetValueOrDefault(name)).RunAsync(args);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>A fresh tenant with the story below; returns its id and admin key.
    /// <list type="bullet">
    /// <item>Contacts a, b, c (tier gold: segment <c>gold</c>), d, e, f (silver); campaign <c>spring</c> (draft; its send log is
    /// seeded): a-d accepted by the relay in the first hour, e in the second, f refused (5xx).</item>
    /// <item>Opens: a, c, d human, b a machine (privacy proxy). Clicks: a on link 0 and c on link 1 as humans, b on link 0 as
    /// a machine (link scanner). d unsubscribed through the campaign's link.</item>
    /// <item>e hard-bounced and b complained, recorded on their bounce ledgers (events now).</item>
    /// </list></summary>
    public async Task<(string Tenant, string AdminKey, DateTimeOffset Start)> SeedAsync(string prefix)
    {
        var tenant = $"{prefix}-{Interlocked.Increment(ref _tenants)}";
        string admin;
        using (var op = Client(OperatorKey))
        {
            admin = (await op.Admin.CreateTenantAsync(new CreateTenantRequest { TenantId = tenant, DisplayName = tenant })).AdminKey.Secret;
        }

        using var client = Client(admin);
        await client.Templates.SaveAsync(new SaveTemplateRequest { Name = "news", Subject = "News", Html = "<p><a href=\"https://example.com/a\">A</a></p>" });
        foreach (var (name, tier) in new[] { ("a", "gold"), ("b", "gold"), ("c", "gold"), ("d", "silver"), ("e", "silver"), ("f", "silver") })
        {
            await client.Contacts().CreateAsync(new CreateContactRequest { Address = Address(name), Attributes = { ["tier"] = new AttributeValue { StringValue = tier } } });
        }

        await client.Segments().CreateAsync(new CreateSegmentRequest { Name = "gold", Expression = "tier = \"gold\"" });
        await client.Campaigns.CreateAsync(new CreateCampaignRequest
        {
            Id = "spring",
            Definition = new MailMesh.Api.V1.CampaignDefinition
            {
                Name = "Spring news", Template = "news", Segment = "gold", Sender = new MailMesh.Api.V1.CampaignSender { FromAddress = "news@example.com" },
            },
        });

        var t0 = Start;
        var log = Services.GetRequiredService<ISendLog>();
        await SendAsync(log, tenant, t0.AddMinutes(10), SendStatus.Sent, "a", "b", "c", "d");
        await SendAsync(log, tenant, t0.AddMinutes(70), SendStatus.Sent, "e");
        await SendAsync(log, tenant, t0.AddMinutes(10), SendStatus.Failed, "f");

        var hits = Services.GetRequiredService<HitStore>();
        await hits.InsertAsync([
            Hit(tenant, "a", HitKind.Open, t0.AddMinutes(20)), Hit(tenant, "b", HitKind.Open, t0.AddMinutes(11), machine: true),
            Hit(tenant, "c", HitKind.Open, t0.AddMinutes(80)), Hit(tenant, "d", HitKind.Open, t0.AddMinutes(30)),
            Hit(tenant, "a", HitKind.Click, t0.AddMinutes(25), link: 0), Hit(tenant, "c", HitKind.Click, t0.AddMinutes(85), link: 1),
            Hit(tenant, "b", HitKind.Click, t0.AddMinutes(12), machine: true, link: 0), Hit(tenant, "d", HitKind.Unsubscribe, t0.AddMinutes(40)),
        ]);

        var grains = Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<IBounceLedgerGrain>(BounceKeys.Contact(tenant, Address("e"))).Record(new BounceNotice(
            $"test:{tenant}:e", BounceKind.HardBounce, BounceReason.UserUnknown, "spring", SendId.For(tenant, "spring", Address("e")).ToString(), "5.1.1",
            "user unknown", null, "webhook", DateTimeOffset.UtcNow));
        await grains.GetGrain<IBounceLedgerGrain>(BounceKeys.Contact(tenant, Address("b"))).Record(new BounceNotice(
            $"test:{tenant}:b", BounceKind.Complaint, BounceReason.Feedback, "spring", SendId.For(tenant, "spring", Address("b")).ToString(), null,
            null, "abuse", "webhook", DateTimeOffset.UtcNow));
        return (tenant, admin, t0);
    }

    /// <summary>The start of the seeded story: three hours before the current hour (the bounce ledgers stamp their events
    /// with the current time, so the hourly series runs from here to now).</summary>
    public static DateTimeOffset Start
    {
        get
        {
            var now = DateTimeOffset.UtcNow;
            return new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(-3);
        }
    }

    public static string Address(string name) => name + "@reports.example";

    private static async Task SendAsync(ISendLog log, string tenant, DateTimeOffset at, SendStatus status, params string[] names)
    {
        await log.EnqueueAsync(tenant, "spring", [.. names.Select(n => new PlannedSend(Address(n), SendId.For(tenant, "spring", Address(n)), 0, at))], at);
        foreach (var name in names)
        {
            var id = SendId.For(tenant, "spring", Address(name));
            Assert.True(await log.TryMarkSendingAsync(tenant, id, SendStatus.Queued, "<m>", at));
            await log.CompleteAsync(tenant, id, status, status == SendStatus.Sent ? 250 : 550, "reply", null, at);
        }
    }

    private static HitRecord Hit(string tenant, string name, HitKind kind, DateTimeOffset at, bool machine = false, int link = 0) => new(
        Guid.NewGuid(), kind, tenant, "spring", Address(name), link, kind == HitKind.Click ? $"https://example.com/{(char)('a' + link)}" : null, at, at.AddMinutes(-1),
        "192.0.2.1", "test", machine, machine ? "apple-mpp" : null);
}

/// <summary>One silo shared by the report tests.</summary>
[CollectionDefinition(Name)]
public sealed class ReportsSiloCollection : ICollectionFixture<ReportsSilo>
{
    public const string Name = "reports silo";
}

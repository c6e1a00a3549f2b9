using System.Net;
using System.Security.Cryptography;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailMesh.Api.Tests;

/// <summary>An embedded silo with the audience, templates, campaigns and the SMTP submitter (relay: the capturing sink of
/// scripts/test-servers.sh, MAILMESH_TEST_SMTP_PORT) serving the API on 127.0.0.1 over h2c. Tests make a tenant each.</summary>
public sealed class CampaignsApiHost : IAsyncLifetime
{
    private WebApplication _app = null!;
    private string _directory = null!;
    private int _tenants;

    public Uri Address { get; private set; } = null!;

    public string OperatorKey { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("mailmesh-campaigns-api-").FullName;
        var sink = TestServers.SmtpCapture.Address;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Tracking:PublicBaseUrl"] = "http://127.0.0.1:9/",
            ["Tracking:Keys:0:Id"] = "1",
            ["Tracking:Keys:0:Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Campaigns:Composition:ReturnPathDomain"] = "bounces.example.com",
            ["Campaigns:Relay:Host"] = sink.Host,
            ["Campaigns:Relay:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Campaigns:Relay:Tls"] = "None",
            ["Campaigns:DriveInterval"] = "00:00:00.200",
            ["Campaigns:ReminderPeriod"] = "00:00:01",
        }).Build();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddMailMeshRuntime();
        builder.Services.AddMailMeshSqliteStorage(o =>
        {
            o.DatabasePath = Path.Combine(_directory, "mailmesh.db");
            o.EventPollInterval = TimeSpan.FromMilliseconds(50);
        });
        builder.Services.AddAudience(configuration, _directory);
        builder.Services.AddCampaigns(configuration, _directory);
        builder.Services.AddMailMeshApi(o => o.BootstrapKeyFile = Path.Combine(_directory, "operator.key"));
        _app = builder.Build();
        _app.MapMailMeshGrpc();
        await _app.StartAsync();
        Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        OperatorKey = (await File.ReadAllTextAsync(Path.Combine(_directory, "operator.key"))).Trim();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a pooled connection: the OS temp cleanup removes it.
        }
    }

    public MailMeshClient Client(string key) => new(Address, new GrpcChannelOptions { ApiKey = key, DefaultTimeout = TimeSpan.FromSeconds(30) });

    /// <summary>A fresh tenant; returns its admin key.</summary>
    public async Task<string> NewTenantAsync(string prefix)
    {
        var id = $"{prefix}-{Interlocked.Increment(ref _tenants)}";
        using var op = Client(OperatorKey);
        return (await op.Admin.CreateTenantAsync(new CreateTenantRequest { TenantId = id, DisplayName = id })).AdminKey.Secret;
    }

    public async Task<string> NewKeyAsync(string adminKey, params string[] scopes)
    {
        using var admin = Client(adminKey);
        var request = new CreateApiKeyRequest { Name = "test key" };
        request.Scopes.AddRange(scopes);
        return (await admin.Admin.CreateApiKeyAsync(request)).Created.Secret;
    }

    /// <summary>Runs the CLI against this host with <paramref name="key"/>; returns the exit code, standard output and error.</summary>
    public async Task<(int Code, string Out, string Err)> RunCliAsync(string key, params string[] args)
    {
        var env = new Dictionary<string, string?> { ["MAILMESH_URL"] = Address.ToString(), ["MAILMESH_KEY"] = key, ["MAILMESH_CONFIG"] = "/nonexistent/profiles.json" };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await new MailMesh.Cli.CliApp(output, error, name => env.GetValueOrDefault(name)).RunAsync(args);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Saves a template, the contacts (first_name, tier gold) and the segment "everyone" (tier = "gold"); returns a definition
    /// sending that template to that segment.</summary>
    public static async Task<CampaignDefinition> PrepareAsync(MailMeshClient client, string tag, params (string Address, string FirstName)[] contacts)
    {
        await client.Templates.SaveAsync(new SaveTemplateRequest
        {
            Name = "welcome", Subject = "Hello {{default first_name \"there\"}} " + tag, Html = "<p>Hi {{first_name}}, welcome.</p>",
        });
        foreach (var (address, first) in contacts)
        {
            await client.Contacts().CreateAsync(new CreateContactRequest
            {
                Address = address, Attributes = { ["first_name"] = new AttributeValue { StringValue = first }, ["tier"] = new AttributeValue { StringValue = "gold" } },
            });
        }

        await client.Segments().CreateAsync(new CreateSegmentRequest { Name = "everyone", Expression = "tier = \"gold\"" });
        return new CampaignDefinition
        {
            Name = "Welcome " + tag, Template = "welcome", Segment = "everyone",
            Sender = new CampaignSender { FromAddress = "news@example.com", FromName = "News" },
            Throttle = new CampaignThrottle { SlowStart = false },
        };
    }
}

/// <summary>The messages the capturing SMTP sink kept (scripts/test-servers.sh, MAILMESH_TEST_SMTP_DIR).</summary>
public static class SinkMessages
{
    /// <summary>Every kept message containing <paramref name="text"/> (a tag unique to the test).</summary>
    public static IReadOnlyList<string> WithText(string text)
    {
        var directory = TestServers.SmtpCapture.NewMessagesDirectory;
        return Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory).Select(File.ReadAllText).Where(m => m.Contains(text, StringComparison.Ordinal)).ToList()
            : [];
    }
}

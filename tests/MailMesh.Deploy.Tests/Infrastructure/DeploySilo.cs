using System.Globalization;
using MailMesh.Client;
using MailMesh.Silo.Hosting;
using MailMesh.Testing;
using Microsoft.AspNetCore.Builder;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>The real silo host (<see cref="SiloHost.Build"/>) on free loopback ports (HTTP, gRPC and the tracking
/// listener), its data in a temporary directory, a small hit queue that drops hits at once when full (the smallest
/// allowed, so a burst shows what overload does), webhooks allowed to loopback receivers, campaigns relayed to the
/// capturing SMTP sink of scripts/test-servers.sh with one worker per campaign, a bounce webhook secret for the operator
/// tenant, and a client holding the operator's bootstrap key.</summary>
internal sealed class DeploySilo : IAsyncDisposable
{
    /// <summary>The operator tenant, which the bootstrap key administers.</summary>
    public const string Tenant = "system";

    /// <summary>The bounce webhook secret of <see cref="Tenant"/>.</summary>
    public const string BounceWebhookSecret = "deploy-test-bounce-webhook-secret";

    private DeploySilo(WebApplication app, Uri http, Uri tracking, string dataDirectory, MailMeshClient client)
    {
        App = app;
        HttpAddress = http;
        TrackingAddress = tracking;
        DataDirectory = dataDirectory;
        Client = client;
    }

    public WebApplication App { get; }

    /// <summary>The HTTP/1.1 listener: probes and /metrics.</summary>
    public Uri HttpAddress { get; }

    /// <summary>The public tracking listener: pixel, clicks, unsubscribe, forms and the bounce webhook.</summary>
    public Uri TrackingAddress { get; }

    public string DataDirectory { get; }

    public MailMeshClient Client { get; }

    public static async Task<DeploySilo> StartAsync()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("mailmesh-deploy-silo-").FullName;
        var keyFile = Path.Combine(dataDirectory, "bootstrap.key");
        var (http, grpc, tracking) = (Loopback.FreeHttpUrl(), Loopback.FreeHttpUrl(), Loopback.FreeHttpUrl());
        var sink = TestServers.SmtpCapture.Address;
        var app = SiloHost.Build([
            "--Tracking:Listen", tracking, "--Tracking:PublicBaseUrl", tracking,
            "--Tracking:QueueCapacity", "16", "--Tracking:SpillLimitBytes", "600", "--Tracking:BatchSize", "4",
            "--Campaigns:Relay:Host", sink.Host, "--Campaigns:Relay:Port", sink.Port.ToString(CultureInfo.InvariantCulture),
            "--Campaigns:Relay:Tls", "None", "--Campaigns:Composition:ReturnPathDomain", "bounces.deploy.test", "--Campaigns:Shards", "1",
            "--Campaigns:DriveInterval", "00:00:00.200", "--Campaigns:ReminderPeriod", "00:00:01",
            $"--Bounces:WebhookSecrets:{Tenant}", BounceWebhookSecret,
            "--Kestrel:Endpoints:Http:Url", http, "--Kestrel:Endpoints:Grpc:Url", grpc, "--Silo:DataDirectory", dataDirectory,
            "--Api:BootstrapKeyFile", keyFile, "--Logging:LogLevel:Default", "Warning",
            "--Relays:Webhooks:AllowedNetworks:0", "127.0.0.1/32", "--Relays:Webhooks:RefreshInterval", "00:00:01",
            "--Mailboxes:ConnectTimeout", "00:00:10", "--Mailboxes:CommandTimeout", "00:00:30"]);
        try
        {
            await app.StartAsync();
            var key = (await File.ReadAllTextAsync(keyFile)).Trim();
            var client = new MailMeshClient(new Uri(grpc), new GrpcChannelOptions { ApiKey = key, DefaultTimeout = TimeSpan.FromSeconds(60) });
            return new DeploySilo(app, new Uri(http), new Uri(tracking), dataDirectory, client);
        }
        catch
        {
            await app.DisposeAsync();
            Directory.Delete(dataDirectory, recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A SQLite file still held by a pooled connection; the OS temp cleanup removes it.
        }
    }
}

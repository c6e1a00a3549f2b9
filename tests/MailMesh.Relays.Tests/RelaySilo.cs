using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Silo.Hosting;
using MailMesh.Testing;
using Microsoft.AspNetCore.Builder;

namespace MailMesh.Relays.Tests;

/// <summary>A real embedded silo host on loopback ports; its data directory survives <see cref="DisposeAsync"/> so a
/// test can restart on it.</summary>
internal sealed class RelaySilo : IAsyncDisposable
{
    private RelaySilo(WebApplication app, string dataDirectory, string apiKey, Uri grpc)
    {
        App = app;
        DataDirectory = dataDirectory;
        ApiKey = apiKey;
        GrpcAddress = grpc;
        Client = new MailMeshClient(grpc, new GrpcChannelOptions { ApiKey = apiKey });
    }

    public WebApplication App { get; }

    public string DataDirectory { get; }

    public string ApiKey { get; }

    public Uri GrpcAddress { get; }

    public MailMeshClient Client { get; }

    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "mailmesh-relays-" + Guid.NewGuid().ToString("N"));

    /// <summary>Starts a silo whose webhooks may reach loopback receivers and retry fast.</summary>
    public static async Task<RelaySilo> StartAsync(string? dataDirectory = null, params string[] args)
    {
        dataDirectory ??= NewDataDirectory();
        var keyFile = Path.Combine(dataDirectory, "bootstrap.key");
        var grpc = Loopback.FreeHttpUrl();
        var app = SiloHost.Build([
            "--Kestrel:Endpoints:Http:Url", Loopback.FreeHttpUrl(), "--Kestrel:Endpoints:Grpc:Url", grpc, "--Silo:DataDirectory", dataDirectory,
            "--Api:BootstrapKeyFile", keyFile, "--Logging:LogLevel:Default", "Warning", "--Logging:LogLevel:MailMesh.Relays", "Error",
            "--Relays:Webhooks:InitialBackoff", "00:00:00.050", "--Relays:Webhooks:MaxBackoff", "00:00:00.500",
            "--Relays:Webhooks:RequestTimeout", "00:00:01", "--Relays:Webhooks:RefreshInterval", "00:00:01", .. args]);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var key = File.Exists(keyFile) ? (await File.ReadAllTextAsync(keyFile)).Trim() : throw new InvalidOperationException("no bootstrap key file");
        return new RelaySilo(app, dataDirectory, key, new Uri(grpc));
    }

    /// <summary>Creates a mailbox (one <c>mailbox.created</c> event).</summary>
    public Task<Mailbox> CreateMailboxAsync(string name) =>
        Client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = name, DisplayName = name });

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

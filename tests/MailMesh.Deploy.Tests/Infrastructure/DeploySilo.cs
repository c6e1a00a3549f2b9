using MailMesh.Client;
using MailMesh.Silo.Hosting;
using MailMesh.Testing;
using Microsoft.AspNetCore.Builder;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>The real silo host (<see cref="SiloHost.Build"/>) on free loopback ports, its data in a temporary
/// directory, webhooks allowed to loopback receivers, and a client holding the operator's bootstrap key.</summary>
internal sealed class DeploySilo : IAsyncDisposable
{
    private DeploySilo(WebApplication app, Uri http, string dataDirectory, MailMeshClient client)
    {
        App = app;
        HttpAddress = http;
        DataDirectory = dataDirectory;
        Client = client;
    }

    public WebApplication App { get; }

    /// <summary>The HTTP/1.1 listener: probes and /metrics.</summary>
    public Uri HttpAddress { get; }

    public string DataDirectory { get; }

    public MailMeshClient Client { get; }

    public static async Task<DeploySilo> StartAsync()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("mailmesh-deploy-silo-").FullName;
        var keyFile = Path.Combine(dataDirectory, "bootstrap.key");
        var (http, grpc) = (Loopback.FreeHttpUrl(), Loopback.FreeHttpUrl());
        var app = SiloHost.Build([
            "--Kestrel:Endpoints:Http:Url", http, "--Kestrel:Endpoints:Grpc:Url", grpc, "--Silo:DataDirectory", dataDirectory,
            "--Api:BootstrapKeyFile", keyFile, "--Logging:LogLevel:Default", "Warning",
            "--Relays:Webhooks:AllowedNetworks:0", "127.0.0.1/32", "--Relays:Webhooks:RefreshInterval", "00:00:01",
            "--Mailboxes:ConnectTimeout", "00:00:10", "--Mailboxes:CommandTimeout", "00:00:30"]);
        try
        {
            await app.StartAsync();
            var key = (await File.ReadAllTextAsync(keyFile)).Trim();
            var client = new MailMeshClient(new Uri(grpc), new GrpcChannelOptions { ApiKey = key, DefaultTimeout = TimeSpan.FromSeconds(60) });
            return new DeploySilo(app, new Uri(http), dataDirectory, client);
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

using MailMesh.Client;
using MailMesh.Silo.Hosting;
using MailMesh.Testing;
using Microsoft.AspNetCore.Builder;

namespace MailMesh.Telemetry.Tests;

/// <summary>A real embedded silo host on loopback ports with its data in a temporary directory, and a client that
/// holds the operator's bootstrap key.</summary>
internal sealed class TelemetrySilo : IAsyncDisposable
{
    private TelemetrySilo(WebApplication app, Uri http, Uri grpc, string dataDirectory, string apiKey)
    {
        App = app;
        BaseAddress = http;
        GrpcAddress = grpc;
        DataDirectory = dataDirectory;
        Client = new MailMeshClient(grpc, new GrpcChannelOptions { ApiKey = apiKey });
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public Uri GrpcAddress { get; }

    public string DataDirectory { get; }

    public MailMeshClient Client { get; }

    public static async Task<TelemetrySilo> StartAsync(params string[] args)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "mailmesh-telemetry-" + Guid.NewGuid().ToString("N"));
        var keyFile = Path.Combine(dataDirectory, "bootstrap.key");
        var (http, grpc) = (Loopback.FreeHttpUrl(), Loopback.FreeHttpUrl());
        var app = SiloHost.Build([
            "--Kestrel:Endpoints:Http:Url", http, "--Kestrel:Endpoints:Grpc:Url", grpc, "--Silo:DataDirectory", dataDirectory,
            "--Api:BootstrapKeyFile", keyFile, "--Logging:LogLevel:Default", "Warning", .. args]);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var key = (await File.ReadAllTextAsync(keyFile)).Trim();
        return new TelemetrySilo(app, new Uri(http), new Uri(grpc), dataDirectory, key);
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
            // A file still open by a straggler; the temp directory is cleaned by the OS.
        }
    }
}

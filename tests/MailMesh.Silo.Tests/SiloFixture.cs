using MailMesh.Runtime;
using MailMesh.Silo.Hosting;
using MailMesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Silo.Tests;

/// <summary>A real embedded silo host on a loopback port, with its data in a temporary directory.</summary>
internal sealed class TestSilo : IAsyncDisposable
{
    private TestSilo(WebApplication app, string dataDirectory)
    {
        App = app;
        DataDirectory = dataDirectory;
    }

    public WebApplication App { get; }

    public string DataDirectory { get; }

    public IGrainFactory Grains => App.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The HTTP/1.1 endpoint (health probes).</summary>
    public required Uri BaseAddress { get; init; }

    /// <summary>The HTTP/2 endpoint (gRPC).</summary>
    public required Uri GrpcAddress { get; init; }

    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "mailmesh-silo-" + Guid.NewGuid().ToString("N"));

    public static async Task<TestSilo> StartAsync(string? dataDirectory = null)
    {
        dataDirectory ??= NewDataDirectory();
        var (http, grpc) = (Loopback.FreeHttpUrl(), Loopback.FreeHttpUrl());
        var app = await BuildAndStartAsync("--Kestrel:Endpoints:Http:Url", http, "--Kestrel:Endpoints:Grpc:Url", grpc, "--Silo:DataDirectory", dataDirectory);
        return new TestSilo(app, dataDirectory) { BaseAddress = new Uri(http), GrpcAddress = new Uri(grpc) };
    }

    /// <summary>Builds and starts the silo host with <paramref name="args"/> after the test defaults (loopback ports, quiet logs).</summary>
    public static async Task<WebApplication> BuildAndStartAsync(params string[] args)
    {
        var app = SiloHost.Build([
            "--Kestrel:Endpoints:Http:Url", "http://127.0.0.1:0", "--Kestrel:Endpoints:Grpc:Url", "http://127.0.0.1:0",
            "--Logging:LogLevel:Default", "Warning", .. args]);
        try
        {
            await app.StartAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

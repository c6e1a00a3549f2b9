using MailMesh.Runtime;
using MailMesh.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
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

    public Uri BaseAddress => new(App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "mailmesh-silo-" + Guid.NewGuid().ToString("N"));

    public static async Task<TestSilo> StartAsync(string? dataDirectory = null, params string[] extraArgs)
    {
        dataDirectory ??= NewDataDirectory();
        var args = new[] { "--Urls", "http://127.0.0.1:0", "--Silo:DataDirectory", dataDirectory, "--Logging:LogLevel:Default", "Warning" }
            .Concat(extraArgs).ToArray();
        var app = SiloHost.Build(args);
        await app.StartAsync();
        return new TestSilo(app, dataDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

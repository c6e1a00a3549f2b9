using MailMesh.Runtime.Tests.Grains;
using MailMesh.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MailMesh.Runtime.Tests;

public sealed class HostingTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task GenericHost_WithRuntimeAndSqlite_StartsServesGrainsAndStopsGracefully()
    {
        var probe = new Probe();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton(probe);
        builder.Services.AddMailMeshSqliteStorage(o => o.DatabasePath = _dir.File("host.db"));
        builder.Services.AddMailMeshRuntime(o => o.IdleTimeout = TimeSpan.FromMinutes(30));
        builder.Services.AddGrainsFromAssembly(typeof(HostingTests).Assembly);
        using var host = builder.Build();

        await host.StartAsync();
        var factory = host.Services.GetRequiredService<IGrainFactory>();
        await factory.GetGrain<IProfileGrain>("t1/hosted").SetNameWithoutSaving("kept at shutdown");
        Assert.Equal(SiloStatus.Running, host.Services.GetRequiredService<Silo>().Status);
        await host.StopAsync();

        Assert.Equal(SiloStatus.Stopped, host.Services.GetRequiredService<Silo>().Status);
        Assert.Contains("deactivate:t1/hosted:SiloShutdown", probe.Log);
        await using var restarted = await TestSilo.StartSqliteAsync(probe, _dir.File("host.db"));
        Assert.Equal("kept at shutdown", await restarted.GrainFactory.GetGrain<IProfileGrain>("t1/hosted").GetName());
    }

    [Fact]
    public async Task GenericHost_BadRuntimeConfigValue_FailsStartSayingHowToFix()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new KeyValuePair<string, string?>("Runtime:CallTimeout", "-00:00:05")]);
        builder.Services.AddMailMeshRuntime();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Runtime:CallTimeout is -00:00:05", error.Message, StringComparison.Ordinal);
        Assert.Contains("MAILMESH__RUNTIME__CALLTIMEOUT", error.Message, StringComparison.Ordinal);
    }
}

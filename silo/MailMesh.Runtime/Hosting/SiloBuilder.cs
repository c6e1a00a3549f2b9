using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MailMesh.Runtime.Hosting;

/// <summary>Builds a stand-alone silo without a generic host (tests, tools, benchmarks). Its hosted services
/// (e.g. storage migrations) are started before the silo and stopped after it.</summary>
public sealed class SiloBuilder
{
    private readonly ServiceCollection _services = new();
    private readonly List<Action<GrainRuntimeOptions>> _configure = [];

    /// <summary>Adds services (storage providers, a TimeProvider, logging, grain dependencies).</summary>
    public SiloBuilder ConfigureServices(Action<IServiceCollection> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_services);
        return this;
    }

    /// <summary>Changes runtime options.</summary>
    public SiloBuilder Configure(Action<GrainRuntimeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _configure.Add(configure);
        return this;
    }

    /// <summary>Registers the grain classes of <paramref name="assembly"/>.</summary>
    public SiloBuilder AddGrainsFromAssembly(Assembly assembly)
    {
        _services.AddGrainsFromAssembly(assembly);
        return this;
    }

    /// <summary>Builds and starts the silo (and the hosted services registered before it). Dispose it to stop.</summary>
    public async Task<Silo> StartAsync(CancellationToken cancellationToken = default)
    {
        _services.AddMailMeshRuntime(o => _configure.ForEach(c => c(o)));
        var provider = _services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var hosted = provider.GetServices<IHostedService>().Where(s => s is not SiloHostedService).ToList();
        var owned = new OwnedServices(provider, hosted);
        foreach (var service in hosted)
        {
            await service.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        var silo = provider.GetRequiredService<Silo>();
        silo.Own(owned);
        await silo.StartAsync(cancellationToken).ConfigureAwait(false);
        return silo;
    }

    private sealed class OwnedServices(ServiceProvider provider, List<IHostedService> hosted) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            for (var i = hosted.Count - 1; i >= 0; i--)
            {
                await hosted[i].StopAsync(CancellationToken.None).ConfigureAwait(false);
            }

            await provider.DisposeAsync().ConfigureAwait(false);
        }
    }
}

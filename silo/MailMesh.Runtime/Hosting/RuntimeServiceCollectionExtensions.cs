using System.Reflection;
using MailMesh.Runtime;
using MailMesh.Runtime.Hosting;
using MailMesh.Runtime.Internal.Activation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the MailMesh grain runtime.</summary>
public static class RuntimeServiceCollectionExtensions
{
    /// <summary>Registers the <see cref="Silo"/> (singleton), <see cref="IGrainFactory"/>, a hosted service that starts
    /// and stops the silo with the host, <see cref="TimeProvider.System"/> (unless one is registered) and
    /// <see cref="GrainRuntimeOptions"/> (from the <c>Runtime</c> configuration section when an
    /// <see cref="IConfiguration"/> is registered, then <paramref name="configure"/>; validated at start-up).
    /// Add grains with <see cref="AddGrainsFromAssembly"/> or <see cref="AddGrain{TInterface, TGrain}"/> and a storage
    /// provider (e.g. <c>AddMailMeshSqliteStorage</c>) for persistent state, reminders and the event log.</summary>
    public static IServiceCollection AddMailMeshRuntime(this IServiceCollection services, Action<GrainRuntimeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<GrainRuntimeOptions>()
            .Configure<IServiceProvider>(static (o, provider) =>
                provider.GetService<IConfiguration>()?.GetSection(GrainRuntimeOptions.SectionName).Bind(o));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrainRuntimeOptions>, GrainRuntimeOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static provider => new Silo(provider));
        services.TryAddSingleton(static provider => provider.GetRequiredService<Silo>().GrainFactory);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SiloHostedService>());
        return services;
    }

    /// <summary>Registers every grain class (a non-abstract subclass of <see cref="Grain"/>) in <paramref name="assembly"/>
    /// for the grain interfaces it implements.</summary>
    public static IServiceCollection AddGrainsFromAssembly(this IServiceCollection services, Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(assembly);
        services.AddSingleton(new GrainRegistration(assembly, null, null));
        return services;
    }

    /// <summary>Registers <typeparamref name="TGrain"/> as the implementation of <typeparamref name="TInterface"/>
    /// (takes precedence over assembly scans).</summary>
    public static IServiceCollection AddGrain<TInterface, TGrain>(this IServiceCollection services)
        where TInterface : IGrainWithStringKey
        where TGrain : Grain, TInterface
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(new GrainRegistration(null, typeof(TInterface), typeof(TGrain)));
        return services;
    }
}

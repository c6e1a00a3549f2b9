using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers cluster membership.</summary>
public static class ClusterServiceCollectionExtensions
{
    /// <summary>Registers the <see cref="MembershipService"/> as <see cref="IClusterMembership"/> and as a hosted service
    /// (register it after the storage provider whose <see cref="IMembershipTable"/> it uses, e.g.
    /// <c>AddMailMeshPostgreSqlStorage</c>). Options come from the <c>Cluster</c> section when an
    /// <see cref="IConfiguration"/> is registered, then <paramref name="configure"/>; validated at start-up.</summary>
    public static IServiceCollection AddMailMeshClusterMembership(this IServiceCollection services, Action<ClusterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ClusterOptions>()
            .Configure<IServiceProvider>(static (o, provider) =>
                provider.GetService<IConfiguration>()?.GetSection(ClusterOptions.SectionName).Bind(o));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static provider => new MembershipService(
            provider.GetService<IMembershipTable>() ?? throw new InvalidOperationException(
                "Cluster membership needs an IMembershipTable: register a cluster storage provider first (Storage:Provider=PostgreSql, AddMailMeshPostgreSqlStorage)."),
            provider.GetRequiredService<IOptions<ClusterOptions>>().Value,
            provider.GetService<TimeProvider>(),
            provider.GetService<ILogger<MembershipService>>(),
            provider.GetService<IHostApplicationLifetime>()));
        services.TryAddSingleton<IClusterMembership>(static provider => provider.GetRequiredService<MembershipService>());
        services.AddSingleton<IHostedService>(static provider => provider.GetRequiredService<MembershipService>());
        return services;
    }
}

using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.RabbitMq;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the RabbitMQ grain fabric.</summary>
public static class RabbitMqFabricServiceCollectionExtensions
{
    /// <summary>Registers <see cref="RabbitMqFabric"/> as the runtime's <see cref="IGrainCallRouter"/> and <see cref="IShardOwnership"/>, and as a hosted
    /// service (register it after <c>AddMailMeshClusterMembership</c>, so it starts after the membership service).
    /// Options come from <c>Cluster:RabbitMq</c> when an <see cref="IConfiguration"/> is registered, then
    /// <paramref name="configure"/>; validated at start-up.</summary>
    public static IServiceCollection AddMailMeshRabbitMqFabric(this IServiceCollection services, Action<RabbitMqFabricOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<RabbitMqFabricOptions>()
            .Configure<IServiceProvider>(static (o, provider) =>
                provider.GetService<IConfiguration>()?.GetSection(RabbitMqFabricOptions.SectionName).Bind(o));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RabbitMqFabricOptions>, RabbitMqFabricOptionsValidator>());
        services.TryAddSingleton<RabbitMqFabric>();
        services.TryAddSingleton<IGrainCallRouter>(static provider => provider.GetRequiredService<RabbitMqFabric>());
        services.TryAddSingleton<IShardOwnership>(static provider => provider.GetRequiredService<RabbitMqFabric>());
        services.AddSingleton<IHostedService>(static provider => provider.GetRequiredService<RabbitMqFabric>());
        return services;
    }
}

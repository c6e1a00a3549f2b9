using MailMesh.Grpc.Health;
using MailMesh.Grpc.Internal;
using MailMesh.Grpc.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MailMesh.Grpc;

/// <summary>Registers the gRPC server's services.</summary>
public static class GrpcServiceCollectionExtensions
{
    /// <summary>Adds the gRPC transport (dispatcher, registry, health and reflection services).</summary>
    public static IServiceCollection AddGrpcServer(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<GrpcServerOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GrpcServerOptions>, GrpcServerOptionsValidator>());
        services.TryAddSingleton<GrpcServiceRegistry>();
        services.TryAddSingleton<GrpcHealthStatus>();
        services.TryAddSingleton<GrpcDispatcher>();
        services.TryAddSingleton<ReflectionService>();
        services.TryAddSingleton<HealthService>();
        return services;
    }
}

using MailMesh.Grpc.Health;
using MailMesh.Grpc.Internal;
using MailMesh.Grpc.Protocol.Health.V1;
using MailMesh.Grpc.Protocol.Reflection.V1Alpha;
using MailMesh.Grpc.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServingStatus = MailMesh.Grpc.Protocol.Health.V1.HealthCheckResponse.Types.ServingStatus;
using V1 = MailMesh.Grpc.Protocol.Reflection.V1;

namespace MailMesh.Grpc;

/// <summary>Maps gRPC services onto ASP.NET Core endpoint routing (<c>POST /{service}/{method}</c>).</summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the methods of <paramref name="service"/> configured by <paramref name="configure"/>.
    /// Methods left unmapped, and unknown services, answer UNIMPLEMENTED.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService(
        this IEndpointRouteBuilder endpoints, Google.Protobuf.Reflection.ServiceDescriptor service, Action<GrpcServiceBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(configure);
        var registry = endpoints.ServiceProvider.GetService<GrpcServiceRegistry>()
            ?? throw new InvalidOperationException("Call services.AddGrpcServer() before mapping gRPC services.");
        var dispatcher = endpoints.ServiceProvider.GetRequiredService<GrpcDispatcher>();
        var builder = new GrpcServiceBuilder(service);
        configure(builder);
        registry.Add(service);
        endpoints.ServiceProvider.GetRequiredService<GrpcHealthStatus>().SetStatus(service.FullName, ServingStatus.Serving);

        var conventions = new List<IEndpointConventionBuilder>();
        foreach (var handler in builder.Handlers)
        {
            conventions.Add(endpoints.MapPost(handler.Path, context => dispatcher.HandleAsync(context, handler))
                .WithDisplayName($"gRPC {handler.Path}"));
        }

        if (!registry.FallbackMapped)
        {
            registry.FallbackMapped = true;
            endpoints.MapPost("/{service}/{method}", dispatcher.HandleUnknownAsync).WithDisplayName("gRPC unimplemented");
        }

        return new CompositeConventionBuilder(conventions);
    }

    /// <summary>Maps server reflection, <c>grpc.reflection.v1alpha</c> and <c>grpc.reflection.v1</c>.</summary>
    public static IEndpointConventionBuilder MapGrpcReflectionService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var reflection = endpoints.ServiceProvider.GetRequiredService<ReflectionService>();
        var alpha = endpoints.MapGrpcService(ReflectionReflection.Descriptor.Services[0], b => b
            .MapDuplexStreaming<ServerReflectionRequest, ServerReflectionResponse>("ServerReflectionInfo", reflection.ServerReflectionInfo));
        var v1 = endpoints.MapGrpcService(V1.ReflectionReflection.Descriptor.Services[0], b => b
            .MapDuplexStreaming<V1.ServerReflectionRequest, V1.ServerReflectionResponse>("ServerReflectionInfo", reflection.ServerReflectionInfoV1));
        return new CompositeConventionBuilder([alpha, v1]);
    }

    /// <summary>Maps <c>grpc.health.v1.Health</c>; every service turns NOT_SERVING when the host starts stopping.</summary>
    public static IEndpointConventionBuilder MapGrpcHealthService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var health = endpoints.ServiceProvider.GetRequiredService<HealthService>();
        var statuses = endpoints.ServiceProvider.GetRequiredService<GrpcHealthStatus>();
        endpoints.ServiceProvider.GetService<IHostApplicationLifetime>()?.ApplicationStopping
            .Register(() => statuses.SetAll(ServingStatus.NotServing));
        return endpoints.MapGrpcService(HealthReflection.Descriptor.Services[0], b => b
            .MapUnary<HealthCheckRequest, HealthCheckResponse>("Check", health.Check)
            .MapServerStreaming<HealthCheckRequest, HealthCheckResponse>("Watch", health.Watch));
    }

    private sealed class CompositeConventionBuilder(IReadOnlyList<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}

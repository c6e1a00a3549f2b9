using MailMesh.Api.Authentication;
using MailMesh.Api.Hosting;
using MailMesh.Api.Services;
using MailMesh.Api.Tenants;
using MailMesh.Api.V1;
using MailMesh.Grpc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers and maps the MailMesh gRPC API.</summary>
public static class MailMeshApiExtensions
{
    /// <summary>
    /// Adds the gRPC server, the API services, the tenant grains and the first-start bootstrap.
    /// Call after the grain runtime and its storage are registered (the bootstrap needs a started silo).
    /// Options: section <c>Api</c> (see <see cref="MailMeshApiOptions"/>) and <c>Grpc</c> (see <see cref="GrpcServerOptions"/>).
    /// </summary>
    public static IServiceCollection AddMailMeshApi(this IServiceCollection services, Action<MailMeshApiOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddGrpcServer();
        services.AddOptions<GrpcServerOptions>().Configure<IServiceProvider>(static (o, provider) =>
            provider.GetService<IConfiguration>()?.GetSection("Grpc").Bind(o));
        var options = services.AddOptions<MailMeshApiOptions>()
            .Configure<IServiceProvider>(static (o, provider) => provider.GetService<IConfiguration>()?.GetSection(MailMeshApiOptions.SectionName).Bind(o));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MailMeshApiOptions>, MailMeshApiOptionsValidator>());
        services.AddGrainsFromAssembly(typeof(TenantGrain).Assembly);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ApiAuthenticator>();
        services.TryAddSingleton<AdminApi>();
        services.TryAddSingleton<MailboxesApi>();
        services.TryAddSingleton<SharingApi>();
        services.TryAddSingleton<EventsApi>();
        services.TryAddSingleton<StatusApi>();
        services.TryAddSingleton<RulesApi>();
        services.TryAddSingleton<ContactsApi>();
        services.TryAddSingleton<SegmentsApi>();
        services.TryAddSingleton<TemplatesApi>();
        services.TryAddSingleton<CampaignsApi>();
        services.TryAddSingleton<ReportsApi>();
        services.TryAddSingleton<ClusterApi>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ApiBootstrapper>());
        return services;
    }

    /// <summary>Maps <c>mailmesh.v1</c> Admin, Mailboxes, Events and Status, plus gRPC health and server reflection.</summary>
    public static IEndpointRouteBuilder MapMailMeshGrpc(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var provider = endpoints.ServiceProvider;
        endpoints.MapGrpcService(AdminReflection.Descriptor.Services.Single(s => s.Name == "Admin"), provider.GetRequiredService<AdminApi>().Map);
        endpoints.MapGrpcService(MailboxesReflection.Descriptor.Services.Single(s => s.Name == "Mailboxes"), provider.GetRequiredService<MailboxesApi>().Map);
        endpoints.MapGrpcService(SharingReflection.Descriptor.Services.Single(s => s.Name == "Sharing"), provider.GetRequiredService<SharingApi>().Map);
        endpoints.MapGrpcService(EventsReflection.Descriptor.Services.Single(s => s.Name == "Events"), provider.GetRequiredService<EventsApi>().Map);
        endpoints.MapGrpcService(StatusReflection.Descriptor.Services.Single(s => s.Name == "Status"), provider.GetRequiredService<StatusApi>().Map);
        endpoints.MapGrpcService(RulesReflection.Descriptor.Services.Single(s => s.Name == "Rules"), provider.GetRequiredService<RulesApi>().Map);
        endpoints.MapGrpcService(ContactsReflection.Descriptor.Services.Single(s => s.Name == "Contacts"), provider.GetRequiredService<ContactsApi>().Map);
        endpoints.MapGrpcService(SegmentsReflection.Descriptor.Services.Single(s => s.Name == "Segments"), provider.GetRequiredService<SegmentsApi>().Map);
        endpoints.MapGrpcService(TemplatesReflection.Descriptor.Services.Single(s => s.Name == "Templates"), provider.GetRequiredService<TemplatesApi>().Map);
        endpoints.MapGrpcService(CampaignsReflection.Descriptor.Services.Single(s => s.Name == "Campaigns"), provider.GetRequiredService<CampaignsApi>().Map);
        endpoints.MapGrpcService(ReportsReflection.Descriptor.Services.Single(s => s.Name == "Reports"), provider.GetRequiredService<ReportsApi>().Map);
        endpoints.MapGrpcService(ClusterReflection.Descriptor.Services.Single(s => s.Name == "Cluster"), provider.GetRequiredService<ClusterApi>().Map);
        endpoints.MapGrpcHealthService();
        endpoints.MapGrpcReflectionService();
        return endpoints;
    }
}

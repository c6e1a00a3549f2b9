using MailMesh.Api.V1;
using MailMesh.Grpc;
using MailMesh.Relays;
using MailMesh.Relays.Api;
using MailMesh.Relays.Leadership;
using MailMesh.Relays.RabbitMq;
using MailMesh.Relays.Webhooks;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.PostgreSql;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the event relays and the Webhooks API.</summary>
public static class RelayServiceCollectionExtensions
{
    /// <summary>Adds the webhook relay (unless <c>Relays:Webhooks:Enabled</c> is false), the RabbitMQ relay (when
    /// <c>Relays:RabbitMq:Uri</c> is set), their grains and the Webhooks API service. With a PostgreSQL store each relay
    /// runs only on the silo holding its lease (<see cref="RelayLeadership"/>). Call after AddMailMeshApi.</summary>
    public static IServiceCollection AddMailMeshRelays(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(RelayOptions.Section);
        services.AddOptions<RelayOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RelayOptions>, RelayOptionsValidator>());
        services.AddGrainsFromAssembly(typeof(WebhookSubscriptionsGrain).Assembly);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WebhookChanges>();
        services.TryAddSingleton(static p => new SsrfGuard(p.GetRequiredService<IOptions<RelayOptions>>().Value.Webhooks.AllowedNetworks));
        services.TryAddSingleton(static p => new WebhookSender(
            p.GetRequiredService<SsrfGuard>(), p.GetRequiredService<IOptions<RelayOptions>>().Value.Webhooks.RequestTimeout, p.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<WebhooksApi>();
        services.TryAddSingleton(static p => new RelayLeadership(
            p.GetService<ILeaseTable>() ?? (p.GetService<PostgreSqlStore>() is { } store ? new PostgreSqlLeaseTable(store) : null),
            p.GetService<IClusterMembership>()?.SiloId ?? $"{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}",
            p.GetRequiredService<IOptions<RelayOptions>>().Value.Leadership, p.GetRequiredService<TimeProvider>(),
            p.GetRequiredService<ILogger<RelayLeadership>>()));
        var settings = section.Get<RelayOptions>() ?? new RelayOptions();
        if (settings.Webhooks.Enabled)
        {
            services.AddSingleton<IHostedService, WebhookRelayService>();
        }

        if (!string.IsNullOrWhiteSpace(settings.RabbitMq.Uri))
        {
            services.AddSingleton<IHostedService, RabbitMqEventRelay>();
        }

        return services;
    }

    /// <summary>Maps <c>mailmesh.v1.Webhooks</c>.</summary>
    public static IEndpointRouteBuilder MapMailMeshWebhooks(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGrpcService(WebhooksReflection.Descriptor.Services.Single(s => s.Name == "Webhooks"),
            endpoints.ServiceProvider.GetRequiredService<WebhooksApi>().Map);
        return endpoints;
    }
}

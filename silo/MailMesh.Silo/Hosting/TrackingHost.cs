using MailMesh.Engagement.Bounces;
using MailMesh.Engagement.Tracking;

namespace MailMesh.Silo.Hosting;

/// <summary>The public tracking listener of the silo (open pixel, click redirect, unsubscribe and one-click POST, forms):
/// its own Kestrel server on <c>Tracking:Listen</c> (default <c>http://127.0.0.1:5082</c>), apart from gRPC and
/// <c>/metrics</c>. Routes of other modules served there are added here: the provider bounce webhook
/// (<c>POST /webhooks/bounces/{tenant}</c>, docs/bounces.md), with bounce processing itself.</summary>
public static class TrackingHost
{
    /// <summary>Registers engagement tracking with files under <c>Silo:DataDirectory</c> and runs its listener. Call after
    /// <c>AddSiloRuntime</c>, so the listener stops and drains its queue before the grain runtime stops.</summary>
    public static IServiceCollection AddSiloTracking(this IServiceCollection services, IConfiguration configuration)
    {
        var silo = configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        services.AddEngagementTracking(configuration, silo.DataDirectoryFullPath);
        services.AddBounceProcessing(configuration, silo.DataDirectoryFullPath);
        // The listener has its own container: the webhook resolves its options and processor from the silo's.
        services.AddSingleton(provider => new TrackingRoutes(endpoints => endpoints.MapBounceWebhook(provider)));
        services.AddTrackingListenerService();
        return services;
    }
}

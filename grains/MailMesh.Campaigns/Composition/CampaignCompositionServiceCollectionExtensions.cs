using MailMesh.Campaigns.Composition;
using MailMesh.Campaigns.Dkim;
using MailMesh.Campaigns.Links;
using MailMesh.Campaigns.Templates;
using MailMesh.Grains.Campaigns;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers campaign message composition.</summary>
public static class CampaignCompositionServiceCollectionExtensions
{
    /// <summary>Adds the template compiler, the tracking codec and URLs (section <c>Tracking</c>), the DKIM signers
    /// (section <c>Campaigns:Dkim</c>), the composer (section <c>Campaigns:Composition</c>, also as
    /// <see cref="ICampaignMessageComposer"/>) and the template directory grain. All options are validated at start-up.
    /// Calling it again adds nothing.</summary>
    public static IServiceCollection AddCampaignComposition(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(CampaignMessageComposer)))
        {
            return services;
        }

        TrackingOptions.AddTo(services, configuration).ValidateOnStart();
        services.AddOptions<CompositionOptions>().Bind(configuration.GetSection(CompositionOptions.Section)).ValidateOnStart();
        services.AddOptions<DkimOptions>().Bind(configuration.GetSection(DkimOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrackingOptions>, TrackingOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CompositionOptions>, CompositionOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DkimOptions>, DkimOptionsValidator>());

        services.TryAddSingleton<TemplateCompiler>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<TrackingOptions>>().Value;
            return new TrackingTokenCodec(options.KeyRing(), options.TokenLifetime, sp.GetService<TimeProvider>());
        });
        services.TryAddSingleton(sp => new TrackingUrls(sp.GetRequiredService<IOptions<TrackingOptions>>().Value.PublicBaseUrl!, sp.GetRequiredService<TrackingTokenCodec>()));
        services.TryAddSingleton(sp => DkimSignerSet.From(sp.GetRequiredService<IOptions<DkimOptions>>().Value));
        services.AddSingleton<CampaignMessageComposer>();
        services.TryAddSingleton<ICampaignMessageComposer>(sp => sp.GetRequiredService<CampaignMessageComposer>());
        services.AddGrain<ITemplateDirectoryGrain, TemplateDirectoryGrain>();
        return services;
    }
}

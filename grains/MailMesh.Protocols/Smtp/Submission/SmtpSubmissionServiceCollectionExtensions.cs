using MailMesh.Protocols.Smtp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers campaign mail submission through a pooled SMTP relay.</summary>
public static class SmtpSubmissionServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="SmtpRelayOptions"/> from <c>Campaigns:Relay</c> (validated at start-up with messages naming each key)
    /// and registers <see cref="SmtpRelayPool"/> as the singleton <see cref="IMailSubmitter"/>, plus a
    /// <see cref="DeferralPolicy"/> from <c>Campaigns:Relay:Deferral</c>. Uses the registered <see cref="TimeProvider"/> when
    /// there is one.
    /// </summary>
    public static IServiceCollection AddSmtpSubmission(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SmtpRelayOptions>()
            .Bind(configuration.GetSection(SmtpRelayOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmtpRelayOptions>, SmtpRelayOptionsValidator>());
        services.TryAddSingleton(sp => new SmtpRelayPool(
            sp.GetRequiredService<IOptions<SmtpRelayOptions>>().Value,
            sp.GetService<ILoggerFactory>(),
            sp.GetService<TimeProvider>()));
        services.TryAddSingleton<IMailSubmitter>(sp => sp.GetRequiredService<SmtpRelayPool>());
        services.TryAddSingleton(sp => new DeferralPolicy(
            sp.GetRequiredService<IOptions<SmtpRelayOptions>>().Value.Deferral,
            sp.GetService<TimeProvider>()));
        return services;
    }
}

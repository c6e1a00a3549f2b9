using MailMesh.Engagement.Bounces;
using MailMesh.Grains.Campaigns;
using MailMesh.Grains.Engagement;
using MailMesh.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers bounce and complaint processing.</summary>
public static class BounceServiceCollectionExtensions
{
    /// <summary>Adds the bounce ledger grain, the bounce store (<c>{data}/bounces.db</c> unless
    /// <c>Bounces:DatabasePath</c>), the processor (needs an <see cref="ISendLogReader"/>: the campaigns module), the
    /// bounce mailbox reader (for <c>Bounces:Mailboxes</c>) and options from the <c>Bounces</c> section. Map the webhook
    /// with <c>MapBounceWebhook</c>.</summary>
    public static IServiceCollection AddBounceProcessing(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        services.AddOptions<BounceOptions>()
            .Bind(configuration.GetSection(BounceOptions.Section))
            .PostConfigure(o => o.DatabasePath ??= Path.Combine(dataDirectory, "bounces.db"))
            .Validate(o => o.SoftBounceLimit is >= 0 and <= 1000, "Bounces:SoftBounceLimit must be 0-1000 (0: soft bounces never suppress) (MAILMESH__BOUNCES__SOFTBOUNCELIMIT).")
            .Validate(o => o.SoftBounceWindow >= TimeSpan.FromHours(1), "Bounces:SoftBounceWindow must be at least 01:00:00 (MAILMESH__BOUNCES__SOFTBOUNCEWINDOW).")
            .Validate(o => o.WebhookMaxBodyBytes is >= 1024 and <= 16 * 1024 * 1024, "Bounces:WebhookMaxBodyBytes must be 1024-16777216 (MAILMESH__BOUNCES__WEBHOOKMAXBODYBYTES).")
            .Validate(o => o.BatchSize is >= 1 and <= 10_000, "Bounces:BatchSize must be 1-10000 (MAILMESH__BOUNCES__BATCHSIZE).")
            .Validate(o => o.Mailboxes.All(m => m.IndexOf('/', StringComparison.Ordinal) > 0), "Bounces:Mailboxes entries must be mailbox keys 'tenant/mailbox-id' (MAILMESH__BOUNCES__MAILBOXES__0).")
            .Validate(o => o.WebhookSecrets.Values.All(s => s.Length >= 16), "Bounces:WebhookSecrets values must be at least 16 characters (MAILMESH__BOUNCES__WEBHOOKSECRETS__{tenant}).")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new BounceStore(sp.GetRequiredService<IOptions<BounceOptions>>().Value.DatabasePath!));
        // A cluster registers its shared store before this (AddPostgreSqlEngagementStores); the SQLite file serves otherwise.
        services.TryAddSingleton<IBounceStore>(sp => sp.GetRequiredService<BounceStore>());
        services.TryAddSingleton(sp => new BounceProcessor(
            sp.GetRequiredService<IGrainFactory>(),
            sp.GetService<ISendLogReader>() ?? throw new InvalidOperationException("Bounce processing needs the campaign send log (ISendLogReader): register the campaigns module (AddCampaigns) too."),
            sp.GetRequiredService<IBounceStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<BounceProcessor>>()));
        services.TryAddSingleton<BounceMailboxReader>();
        services.AddHostedService(sp => sp.GetRequiredService<BounceMailboxReader>());
        services.AddGrain<IBounceLedgerGrain, BounceLedgerGrain>();
        return services;
    }
}

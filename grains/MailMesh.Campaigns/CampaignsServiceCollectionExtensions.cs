using MailMesh.Campaigns.SendLog;
using MailMesh.Campaigns.Sending;
using MailMesh.Grains.Campaigns;
using MailMesh.Protocols.Smtp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers campaigns: the campaign, worker and directory grains, the send log and its migrations.</summary>
public static class CampaignsServiceCollectionExtensions
{
    /// <summary>Adds campaign sending with options from the <c>Campaigns</c> section and the SQLite send log
    /// (<c>campaigns.db</c> in <paramref name="dataDirectory"/>, migrated at start-up) unless another
    /// <see cref="ISendLog"/> is registered; <see cref="ISendLogReader"/> resolves to the same send log. Also adds message
    /// composition (<see cref="CampaignCompositionServiceCollectionExtensions.AddCampaignComposition"/>: templates,
    /// tracking, DKIM) and, when <c>Campaigns:Relay:Host</c> is set, the pooled SMTP submitter
    /// (<see cref="SmtpSubmissionServiceCollectionExtensions.AddSmtpSubmission"/>); without it campaigns cannot be
    /// scheduled (the error says which setting is missing).</summary>
    public static IServiceCollection AddCampaigns(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        services.AddOptions<CampaignsOptions>()
            .Bind(configuration.GetSection(CampaignsOptions.Section))
            .PostConfigure(o => o.SendLogPath ??= Path.Combine(dataDirectory, "campaigns.db"))
            .Validate(o => o.Shards is >= 1 and <= 64, "Campaigns:Shards must be 1-64 (MAILMESH__CAMPAIGNS__SHARDS).")
            .Validate(o => o.BatchSize is >= 1 and <= 10_000, "Campaigns:BatchSize must be 1-10000 (MAILMESH__CAMPAIGNS__BATCHSIZE).")
            .Validate(o => o.PlanPageSize is >= 1 and <= 1000, "Campaigns:PlanPageSize must be 1-1000 (MAILMESH__CAMPAIGNS__PLANPAGESIZE).")
            .Validate(o => o.PlanPagesPerTick >= 1, "Campaigns:PlanPagesPerTick must be at least 1 (MAILMESH__CAMPAIGNS__PLANPAGESPERTICK).")
            .Validate(o => o.ReminderPeriod >= TimeSpan.FromSeconds(1), "Campaigns:ReminderPeriod must be at least 00:00:01 (MAILMESH__CAMPAIGNS__REMINDERPERIOD).")
            .Validate(o => o.DriveInterval > TimeSpan.Zero, "Campaigns:DriveInterval must be positive (MAILMESH__CAMPAIGNS__DRIVEINTERVAL).")
            .Validate(o => o.MaxTurn > TimeSpan.Zero, "Campaigns:MaxTurn must be positive (MAILMESH__CAMPAIGNS__MAXTURN).")
            .Validate(o => o.PauseAfterConsecutiveRefusals >= 0, "Campaigns:PauseAfterConsecutiveRefusals must be 0 (never) or more.")
            .Validate(o => o.SlowStartInitialPerHour >= 1 && o.SlowStartDays >= 0, "Campaigns:SlowStartInitialPerHour must be at least 1 and SlowStartDays 0 or more.")
            .ValidateOnStart();
        services.TryAddSingleton<ISendLog>(sp => new SqliteSendLog(sp.GetRequiredService<IOptions<CampaignsOptions>>().Value.SendLogPath!));
        services.TryAddSingleton<ISendLogReader>(sp => sp.GetRequiredService<ISendLog>());
        services.AddHostedService<SendLogInitializer>();
        services.AddCampaignComposition(configuration);
        if (!string.IsNullOrWhiteSpace(configuration[SmtpRelayOptions.SectionName + ":Host"]))
        {
            services.AddSmtpSubmission(configuration);
        }
        else
        {
            // A silo without a relay still serves campaigns (drafts, templates); scheduling one says what to configure.
            services.TryAddSingleton<IMailSubmitter, UnconfiguredRelay>();
            services.TryAddSingleton(sp => new DeferralPolicy(
                configuration.GetSection(SmtpRelayOptions.SectionName + ":Deferral").Get<DeferralPolicyOptions>() ?? new DeferralPolicyOptions(),
                sp.GetService<TimeProvider>()));
        }

        services.AddGrainsFromAssembly(typeof(CampaignGrain).Assembly);
        return services;
    }

    private sealed class SendLogInitializer(ISendLog sendLog) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => sendLog.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

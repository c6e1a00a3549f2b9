using MailMesh.Campaigns.SendLog;
using MailMesh.Engagement.Reports;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using MailMesh.Runtime;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers campaign and segment reports.</summary>
public static class ReportsServiceCollectionExtensions
{
    /// <summary>Adds <see cref="ICampaignReports"/> over the campaign send log (<c>AddCampaigns</c>), the hit store
    /// (<c>AddEngagementTracking</c>) and the notice store (<c>{data}/reports.db</c> unless <c>Reports:DatabasePath</c>),
    /// with options from the <c>Reports</c> section; the report indexes are built at start.</summary>
    public static IServiceCollection AddCampaignReports(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        services.AddOptions<ReportsOptions>()
            .Bind(configuration.GetSection(ReportsOptions.Section))
            .PostConfigure(o =>
            {
                o.DatabasePath ??= Path.Combine(dataDirectory, "reports.db");
                o.ScratchDirectory ??= Path.Combine(dataDirectory, "reports-scratch");
            })
            .Validate(o => o.EventBatchSize is >= 1 and <= 100_000, "Reports:EventBatchSize must be 1-100000 (MAILMESH__REPORTS__EVENTBATCHSIZE).")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ReportsOptions>>().Value;
            return new ReportNoticeStore(options.DatabasePath!, sp.GetRequiredService<IEventLog>(), options.EventBatchSize);
        });
        // A cluster registers its shared store before this (AddPostgreSqlEngagementStores); the SQLite file serves otherwise.
        services.TryAddSingleton<IReportNoticeStore>(sp => sp.GetRequiredService<ReportNoticeStore>());
        services.TryAddSingleton(sp => new CampaignReportService(
            sp.GetRequiredService<IGrainFactory>(),
            sp.GetService<ISendLog>() ?? throw new InvalidOperationException("Reports need the campaign send log: register the campaigns module (AddCampaigns) too."),
            sp.GetService<IHitStore>() ?? throw new InvalidOperationException("Reports need the hit store: register engagement tracking (AddEngagementTracking) too."),
            sp.GetRequiredService<IReportNoticeStore>(),
            sp.GetRequiredService<IOptions<ReportsOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<CampaignReportService>>()));
        services.TryAddSingleton<ICampaignReports>(sp => sp.GetRequiredService<CampaignReportService>());
        services.AddHostedService<ReportsInitializer>();
        return services;
    }

    private sealed class ReportsInitializer(CampaignReportService reports) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => reports.PrepareAsync().WaitAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

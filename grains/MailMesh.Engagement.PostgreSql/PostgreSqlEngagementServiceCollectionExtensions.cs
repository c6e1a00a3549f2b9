using MailMesh.Engagement.Bounces;
using MailMesh.Engagement.PostgreSql;
using MailMesh.Engagement.Reports;
using MailMesh.Engagement.Tracking;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL engagement stores.</summary>
public static class PostgreSqlEngagementServiceCollectionExtensions
{
    /// <summary>Registers <see cref="PostgreSqlHitStore"/> as the <see cref="IHitStore"/>, <see cref="PostgreSqlBounceStore"/>
    /// as the <see cref="IBounceStore"/> and <see cref="PostgreSqlReportNoticeStore"/> as the <see cref="IReportNoticeStore"/>
    /// (following the event log, <c>Reports:EventBatchSize</c> events at a time), over the <see cref="PostgreSqlStore"/> of
    /// <c>AddMailMeshPostgreSqlStorage</c>. Call it before <c>AddEngagementTracking</c>, <c>AddBounceProcessing</c> and
    /// <c>AddCampaignReports</c>, which register their SQLite files only when no store is registered.</summary>
    public static IServiceCollection AddPostgreSqlEngagementStores(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IHitStore>(static provider => new PostgreSqlHitStore(provider.GetRequiredService<PostgreSqlStore>()));
        services.TryAddSingleton<IBounceStore>(static provider => new PostgreSqlBounceStore(provider.GetRequiredService<PostgreSqlStore>()));
        services.TryAddSingleton<IReportNoticeStore>(static provider => new PostgreSqlReportNoticeStore(
            provider.GetRequiredService<PostgreSqlStore>(), provider.GetRequiredService<IEventLog>(),
            provider.GetRequiredService<IOptions<ReportsOptions>>().Value.EventBatchSize));
        return services;
    }
}

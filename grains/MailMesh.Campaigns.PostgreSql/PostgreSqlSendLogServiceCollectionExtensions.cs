using MailMesh.Campaigns.PostgreSql;
using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using MailMesh.Runtime.PostgreSql;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL campaign send log.</summary>
public static class PostgreSqlSendLogServiceCollectionExtensions
{
    /// <summary>Registers <see cref="PostgreSqlSendLog"/> as the <see cref="ISendLog"/> and <see cref="ISendLogReader"/>,
    /// over the <see cref="PostgreSqlStore"/> of <c>AddMailMeshPostgreSqlStorage</c>. Call it before <c>AddCampaigns</c>
    /// (which registers the SQLite send log only when none is registered, and migrates the registered one at start-up).</summary>
    public static IServiceCollection AddPostgreSqlSendLog(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<ISendLog>(static provider => new PostgreSqlSendLog(provider.GetRequiredService<PostgreSqlStore>()));
        services.TryAddSingleton<ISendLogReader>(static provider => provider.GetRequiredService<ISendLog>());
        return services;
    }
}

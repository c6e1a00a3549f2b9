using MailMesh.Audience.PostgreSql;
using MailMesh.Audience.ReadModel;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL contacts read model.</summary>
public static class PostgreSqlContactReadModelServiceCollectionExtensions
{
    /// <summary>Registers <see cref="PostgreSqlContactReadModel"/> as the <see cref="IContactReadModel"/> (and segment
    /// store), over the <see cref="PostgreSqlStore"/> of <c>AddMailMeshPostgreSqlStorage</c>. Call it before
    /// <c>AddAudience</c> (which registers the SQLite read model only when none is registered). Also registers
    /// <see cref="PostgreSqlEventLogRedaction"/> (see <see cref="AddPostgreSqlEventLogRedaction"/>), so GDPR erasure works
    /// over the PostgreSQL event log.</summary>
    public static IServiceCollection AddPostgreSqlContactReadModel(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IContactReadModel>(static provider => new PostgreSqlContactReadModel(provider.GetRequiredService<PostgreSqlStore>()));
        return services.AddPostgreSqlEventLogRedaction();
    }

    /// <summary>Registers <see cref="PostgreSqlEventLogRedaction"/> as the <see cref="IEventLogRedaction"/> of the event log
    /// of <c>AddMailMeshPostgreSqlStorage</c> (unless one is registered).</summary>
    public static IServiceCollection AddPostgreSqlEventLogRedaction(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IEventLogRedaction>(static provider => new PostgreSqlEventLogRedaction(provider.GetRequiredService<PostgreSqlStore>()));
        return services;
    }
}

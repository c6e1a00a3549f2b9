using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Grains.PostgreSql;
using MailMesh.Runtime.PostgreSql;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL read models of the grains.</summary>
public static class PostgreSqlMessageIndexServiceCollectionExtensions
{
    /// <summary>Registers <see cref="PostgreSqlMessageIndex"/> as the <see cref="IMessageIndex"/>, over the
    /// <see cref="PostgreSqlStore"/> of <c>AddMailMeshPostgreSqlStorage</c>. Call it before <c>AddMailboxSync</c>
    /// (which registers the SQLite index only when none is registered).</summary>
    public static IServiceCollection AddPostgreSqlMessageIndex(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IMessageIndex>(static provider => new PostgreSqlMessageIndex(provider.GetRequiredService<PostgreSqlStore>()));
        return services;
    }
}

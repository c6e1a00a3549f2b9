using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Runtime.PostgreSql.Hosting;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL storage providers of the MailMesh runtime.</summary>
public static class PostgreSqlStorageServiceCollectionExtensions
{
    /// <summary>Registers one <see cref="PostgreSqlStore"/> and, over it, <see cref="IGrainStorage"/>,
    /// <see cref="IEventLog"/>, <see cref="IReminderTable"/> and <see cref="IMembershipTable"/> (all singletons). Options
    /// come from the <c>Storage:PostgreSql</c> configuration section when an <see cref="IConfiguration"/> is registered,
    /// then from <paramref name="configure"/>; they are validated at start-up. A hosted service connects and applies
    /// migrations at start-up; without a host, the first operation does it (thread-safe).</summary>
    public static IServiceCollection AddMailMeshPostgreSqlStorage(this IServiceCollection services, Action<PostgreSqlStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<PostgreSqlStorageOptions>()
            .Configure<IServiceProvider>(static (o, provider) =>
                provider.GetService<IConfiguration>()?.GetSection(PostgreSqlStorageOptions.SectionName).Bind(o));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgreSqlStorageOptions>, PostgreSqlStorageOptionsValidator>());
        services.TryAddSingleton(static provider => new PostgreSqlStore(
            provider.GetRequiredService<IOptions<PostgreSqlStorageOptions>>().Value,
            provider.GetService<ILogger<PostgreSqlStore>>(),
            provider.GetService<TimeProvider>()));
        services.TryAddSingleton(static provider => new PostgreSqlGrainStorage(provider.GetRequiredService<PostgreSqlStore>()));
        services.TryAddSingleton<IGrainStorage>(static provider => provider.GetRequiredService<PostgreSqlGrainStorage>());
        services.TryAddSingleton<IGrainMessageLog>(static provider => provider.GetRequiredService<PostgreSqlGrainStorage>());
        services.TryAddSingleton<IEventLog>(static provider => new PostgreSqlEventLog(provider.GetRequiredService<PostgreSqlStore>()));
        services.TryAddSingleton<IReminderTable>(static provider => new PostgreSqlReminderTable(provider.GetRequiredService<PostgreSqlStore>()));
        services.TryAddSingleton<IMembershipTable>(static provider => new PostgreSqlMembershipTable(provider.GetRequiredService<PostgreSqlStore>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostgreSqlStorageInitializer>());
        return services;
    }
}

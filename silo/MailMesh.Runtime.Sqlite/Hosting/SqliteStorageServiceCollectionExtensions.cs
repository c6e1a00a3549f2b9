using MailMesh.Runtime.Sqlite;
using MailMesh.Runtime.Sqlite.Hosting;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite storage providers of the MailMesh runtime.</summary>
public static class SqliteStorageServiceCollectionExtensions
{
    /// <summary>Registers one <see cref="SqliteStore"/> and, over it, <see cref="IGrainStorage"/>,
    /// <see cref="IEventLog"/> and <see cref="IReminderTable"/> (all singletons). Options come from the
    /// <c>Storage:Sqlite</c> configuration section when an <see cref="IConfiguration"/> is registered, then from
    /// <paramref name="configure"/>; they are validated at start-up. A hosted service opens the file and applies
    /// migrations at start-up; without a host, the first operation does it (thread-safe).</summary>
    public static IServiceCollection AddMailMeshSqliteStorage(this IServiceCollection services, Action<SqliteStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<SqliteStorageOptions>()
            .Configure<IServiceProvider>(static (o, provider) =>
                provider.GetService<IConfiguration>()?.GetSection(SqliteStorageOptions.SectionName).Bind(o));
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteStorageOptions>, SqliteStorageOptionsValidator>());
        services.TryAddSingleton(static provider => new SqliteStore(
            provider.GetRequiredService<IOptions<SqliteStorageOptions>>().Value,
            provider.GetService<ILogger<SqliteStore>>(),
            provider.GetService<TimeProvider>()));
        services.TryAddSingleton<IGrainStorage>(static provider => new SqliteGrainStorage(provider.GetRequiredService<SqliteStore>()));
        services.TryAddSingleton<IEventLog>(static provider => new SqliteEventLog(provider.GetRequiredService<SqliteStore>()));
        services.TryAddSingleton<IReminderTable>(static provider => new SqliteReminderTable(provider.GetRequiredService<SqliteStore>()));
        // Bulk state writes and event tombstones only where the grain state and event log are this store's (a host that
        // replaced them with another provider gets none, and its callers fall back to one write per grain).
        services.TryAddSingleton<IGrainStorageBatch>(static provider =>
            provider.GetRequiredService<IGrainStorage>() is SqliteGrainStorage ? new SqliteStateBatch(provider.GetRequiredService<SqliteStore>()) : null!);
        services.TryAddSingleton<IEventLogRedaction>(static provider =>
            provider.GetRequiredService<IEventLog>() is SqliteEventLog ? new SqliteStateBatch(provider.GetRequiredService<SqliteStore>()) : null!);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SqliteStorageInitializer>());
        return services;
    }
}

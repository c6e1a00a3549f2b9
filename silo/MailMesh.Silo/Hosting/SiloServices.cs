using MailMesh.Blobs;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Grains.Rules;
using MailMesh.Runtime.Sqlite;
using Microsoft.Extensions.Options;

namespace MailMesh.Silo.Hosting;

/// <summary>The silo's services: the grain runtime, storage (SQLite embedded, or PostgreSQL for a cluster), the blob
/// store and the grains.</summary>
public static class SiloServices
{
    /// <summary>Registers them, with file locations defaulting to places under <c>Silo:DataDirectory</c>.</summary>
    public static IServiceCollection AddSiloRuntime(this IServiceCollection services, ConfigurationManager configuration)
    {
        var silo = configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        // Everything else lives under the data directory: report a bad one first, not its consequences.
        var check = new SiloOptionsValidator().Validate(null, silo);
        if (check.Failed)
        {
            throw new OptionsValidationException(SiloOptions.Section, typeof(SiloOptions), check.Failures);
        }

        EmbeddedCredentialKey.AddIfMissing(configuration, silo.DataDirectoryFullPath);
        EmbeddedTrackingKey.AddIfMissing(configuration, silo.DataDirectoryFullPath);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = silo.ShutdownTimeout);
        services.AddMailMeshRuntime();
        AddStorage(services, configuration, silo);
        services.AddSiloCluster(configuration);
        services.AddMailMeshBlobStore(configuration, silo.BlobFullPath);
        services.AddMailboxSync(configuration, silo.DataDirectoryFullPath);
        services.AddMailboxRules(configuration);
        services.AddAudience(configuration, silo.DataDirectoryFullPath);
        services.AddCampaigns(configuration, silo.DataDirectoryFullPath);
        services.AddGrainsFromAssembly(typeof(MailboxGrain).Assembly);
        return services;
    }

    /// <summary><c>Storage:Provider</c>: <c>Sqlite</c> (default; a file under the data directory) or <c>PostgreSql</c>
    /// (<c>Storage:PostgreSql:ConnectionString</c>).</summary>
    private static void AddStorage(IServiceCollection services, ConfigurationManager configuration, SiloOptions silo)
    {
        var provider = configuration["Storage:Provider"];
        if (string.IsNullOrWhiteSpace(provider) || provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            services.AddMailMeshSqliteStorage();
            services.PostConfigure<SqliteStorageOptions>(o => o.DatabasePath ??= silo.DatabaseFullPath);
        }
        else if (provider.Equals("PostgreSql", StringComparison.OrdinalIgnoreCase))
        {
            services.AddMailMeshPostgreSqlStorage();
            services.AddPostgreSqlMessageIndex();
            services.AddPostgreSqlContactReadModel();
            services.AddPostgreSqlSendLog();
            services.AddPostgreSqlEngagementStores();
        }
        else
        {
            throw new OptionsValidationException("Storage", typeof(SiloOptions),
                [$"Storage:Provider is '{provider}'; use 'Sqlite' (embedded, the default) or 'PostgreSql' (cluster) (MAILMESH__STORAGE__PROVIDER)."]);
        }
    }
}

using MailMesh.Blobs;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Grains.Rules;
using MailMesh.Runtime.Sqlite;
using Microsoft.Extensions.Options;

namespace MailMesh.Silo.Hosting;

/// <summary>The embedded silo's services: the grain runtime, SQLite storage, the blob store and the grains.</summary>
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
        services.Configure<HostOptions>(o => o.ShutdownTimeout = silo.ShutdownTimeout);
        services.AddMailMeshRuntime();
        services.AddMailMeshSqliteStorage();
        services.PostConfigure<SqliteStorageOptions>(o => o.DatabasePath ??= silo.DatabaseFullPath);
        services.AddMailMeshBlobStore(configuration, silo.BlobFullPath);
        services.AddMailboxSync(configuration, silo.DataDirectoryFullPath);
        services.AddMailboxRules(configuration);
        services.AddGrainsFromAssembly(typeof(MailboxGrain).Assembly);
        return services;
    }
}

using MailMesh.Blobs;
using MailMesh.Grains.Mailboxes;
using MailMesh.Runtime.Sqlite;

namespace MailMesh.Silo.Hosting;

/// <summary>The embedded silo's services: the grain runtime, SQLite storage, the blob store and the grains.</summary>
public static class SiloServices
{
    /// <summary>Registers them, with file locations defaulting to places under <c>Silo:DataDirectory</c>.</summary>
    public static IServiceCollection AddSiloRuntime(this IServiceCollection services, IConfiguration configuration)
    {
        var silo = configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = silo.ShutdownTimeout);
        services.AddMailMeshRuntime();
        services.AddMailMeshSqliteStorage();
        services.PostConfigure<SqliteStorageOptions>(o => o.DatabasePath ??= silo.DatabaseFullPath);
        services.AddMailMeshBlobStore(configuration, silo.BlobFullPath);
        services.AddGrainsFromAssembly(typeof(MailboxGrain).Assembly);
        return services;
    }
}

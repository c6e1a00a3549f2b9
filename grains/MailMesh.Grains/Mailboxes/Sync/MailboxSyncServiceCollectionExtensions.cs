using MailMesh.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>Registers mailbox sync.</summary>
public static class MailboxSyncServiceCollectionExtensions
{
    /// <summary>Adds mailbox sync: options from the <c>Mailboxes</c> section (validated at start-up; a credential key
    /// is required), the SQLite message index (<c>Mailboxes:IndexPath</c>, default <c>&lt;dataDirectory&gt;/index.db</c>)
    /// created by a hosted service, and the blob store (<c>Blobs</c> section, default <c>&lt;dataDirectory&gt;/blobs</c>)
    /// unless one is registered already.</summary>
    public static IServiceCollection AddMailboxSync(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        services.AddOptions<MailboxSyncOptions>()
            .Bind(configuration.GetSection(MailboxSyncOptions.Section))
            .PostConfigure(o => o.IndexPath ??= Path.Combine(dataDirectory, "index.db"))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MailboxSyncOptions>, MailboxSyncOptionsValidator>());
        if (!services.Any(d => d.ServiceType == typeof(IBlobStore)))
        {
            services.AddMailMeshBlobStore(configuration, Path.Combine(dataDirectory, "blobs"));
        }

        services.TryAddSingleton<CredentialProtector>();
        services.TryAddSingleton<IMessageIndex>(sp => new SqliteMessageIndex(sp.GetRequiredService<IOptions<MailboxSyncOptions>>().Value.IndexPath!));
        services.TryAddSingleton<MailboxSyncServices>();
        services.AddHostedService<MessageIndexInitializer>();
        return services;
    }

    private sealed class MessageIndexInitializer(IMessageIndex index, IOptions<MailboxSyncOptions> options) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = options.Value; // validates the options before the silo starts
            return index.InitializeAsync(cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

using MailMesh.Audience;
using MailMesh.Audience.Contacts;
using MailMesh.Audience.Privacy;
using MailMesh.Audience.ReadModel;
using MailMesh.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the audience: contact grains, the contacts read model and imports.</summary>
public static class AudienceServiceCollectionExtensions
{
    /// <summary>Adds the contact, schema and import grains, options from the <c>Audience</c> section and the SQLite
    /// contacts read model (created by a hosted service) unless another <see cref="IContactReadModel"/> is registered.</summary>
    public static IServiceCollection AddAudience(this IServiceCollection services, IConfiguration configuration, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        services.AddOptions<AudienceOptions>()
            .Bind(configuration.GetSection(AudienceOptions.Section))
            .PostConfigure(o =>
            {
                o.ReadModelPath ??= Path.Combine(dataDirectory, "contacts.db");
                o.ErasureKeyPath ??= Path.Combine(dataDirectory, "audience-erasure.key");
            })
            .Validate(o => o.ImportBatchSize is >= 1 and <= 10_000, "Audience:ImportBatchSize must be 1-10000 (MAILMESH__AUDIENCE__IMPORTBATCHSIZE).")
            .Validate(o => o.ImportOrderRun is 0 or (>= 1_000 and <= 2_000_000), "Audience:ImportOrderRun must be 0 (file order) or 1000-2000000 (MAILMESH__AUDIENCE__IMPORTORDERRUN).")
            .Validate(o => o.ImportResumeInterval >= TimeSpan.FromSeconds(1), "Audience:ImportResumeInterval must be at least 00:00:01 (MAILMESH__AUDIENCE__IMPORTRESUMEINTERVAL).")
            .Validate(o => o.ErasureKey is null || ErasureKeyIsValid(o.ErasureKey),
                "Audience:ErasureKey must be base64 of at least 32 bytes, e.g. `openssl rand -base64 32` (MAILMESH__AUDIENCE__ERASUREKEY).")
            .ValidateOnStart();
        if (!services.Any(d => d.ServiceType == typeof(IBlobStore)))
        {
            services.AddMailMeshBlobStore(configuration, Path.Combine(dataDirectory, "blobs"));
        }

        services.TryAddSingleton<IContactReadModel>(sp => new SqliteContactReadModel(sp.GetRequiredService<IOptions<AudienceOptions>>().Value.ReadModelPath!));
        services.TryAddSingleton(sp => AddressHasher.FromOptions(sp.GetRequiredService<IOptions<AudienceOptions>>().Value));
        services.AddHostedService<ReadModelInitializer>();
        services.AddGrainsFromAssembly(typeof(ContactGrain).Assembly);
        return services;
    }

    private static bool ErasureKeyIsValid(string key)
    {
        var buffer = new byte[key.Length];
        return Convert.TryFromBase64String(key, buffer, out var length) && length >= AddressHasher.MinKeyBytes;
    }

    private sealed class ReadModelInitializer(IContactReadModel readModel) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => readModel.InitializeAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

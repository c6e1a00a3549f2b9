using MailMesh.Blobs.Azure;
using MailMesh.Blobs.Local;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailMesh.Blobs;

/// <summary>Registers the configured <see cref="IBlobStore"/>.</summary>
public static class BlobStoreServiceCollectionExtensions
{
    /// <summary>Adds <see cref="IBlobStore"/> from the <c>Blobs</c> configuration section, validated at start-up.
    /// <paramref name="defaultDirectory"/> is used by the local store when <c>Blobs:Directory</c> is not set.</summary>
    public static IServiceCollection AddMailMeshBlobStore(this IServiceCollection services, IConfiguration configuration, string defaultDirectory)
    {
        services.AddOptions<BlobStoreOptions>()
            .Bind(configuration.GetSection(BlobStoreOptions.Section))
            .PostConfigure(o => o.Directory ??= defaultDirectory)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<BlobStoreOptions>, BlobStoreOptionsValidator>();
        services.AddHttpClient(nameof(AzureBlobStore));
        services.AddSingleton<IBlobStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<BlobStoreOptions>>().Value;
            return IsAzure(options)
                ? new AzureBlobStore(sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(AzureBlobStore)), options.Azure)
                : new LocalDirectoryBlobStore(options.Directory!, sp.GetService<TimeProvider>(), options.Local);
        });
        return services;
    }

    internal static bool IsAzure(BlobStoreOptions options) => string.Equals(options.Provider, "Azure", StringComparison.OrdinalIgnoreCase);

    private sealed class BlobStoreOptionsValidator : IValidateOptions<BlobStoreOptions>
    {
        public ValidateOptionsResult Validate(string? name, BlobStoreOptions options)
        {
            if (IsAzure(options))
            {
                var problem = options.Azure.Validate();
                return problem is null
                    ? ValidateOptionsResult.Success
                    : ValidateOptionsResult.Fail($"Blobs:Azure: {problem}; set it with MAILMESH__BLOBS__AZURE__<SETTING> (e.g. MAILMESH__BLOBS__AZURE__SERVICEURI).");
            }

            if (!string.Equals(options.Provider, "Local", StringComparison.OrdinalIgnoreCase))
            {
                return ValidateOptionsResult.Fail($"Blobs:Provider is '{options.Provider}'; use 'Local' or 'Azure' (MAILMESH__BLOBS__PROVIDER).");
            }

            if (options.Local.Validate() is { } local)
            {
                return ValidateOptionsResult.Fail($"Blobs:Local: {local} (MAILMESH__BLOBS__LOCAL__<SETTING>).");
            }

            return string.IsNullOrWhiteSpace(options.Directory)
                ? ValidateOptionsResult.Fail("Blobs:Directory is not set; set MAILMESH__BLOBS__DIRECTORY to a writable directory.")
                : ValidateOptionsResult.Success;
        }
    }
}

using MailMesh.Blobs.Internal;

namespace MailMesh.Blobs.Azure;

/// <summary>The <see cref="IBlobStore"/> entry points: each runs the store's own code, inside a span (kind Client,
/// <c>server.address</c> the account's host; the HTTP client adds its own request spans beneath) and a duration
/// measurement when something listens (<see cref="BlobDiagnostics"/>).</summary>
public sealed partial class AzureBlobStore
{
    private const string Provider = "azure";

    private string Server => _containerUri.Host;

    /// <inheritdoc />
    public Task<BlobProperties> PutAsync(string name, Stream content, string? contentType = null, CancellationToken cancellationToken = default) =>
        BlobDiagnostics.IsEnabled
            ? BlobDiagnostics.TraceAsync(Provider, "put", name, Server, () => PutCoreAsync(name, content, contentType, cancellationToken))
            : PutCoreAsync(name, content, contentType, cancellationToken);

    /// <inheritdoc />
    public Task<BlobDownload?> OpenReadAsync(string name, BlobRange? range = null, CancellationToken cancellationToken = default) =>
        BlobDiagnostics.IsEnabled
            ? BlobDiagnostics.TraceAsync(Provider, "get", name, Server, () => OpenReadCoreAsync(name, range, cancellationToken))
            : OpenReadCoreAsync(name, range, cancellationToken);

    /// <inheritdoc />
    public Task<BlobProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) =>
        BlobDiagnostics.IsEnabled
            ? BlobDiagnostics.TraceAsync(Provider, "properties", name, Server, () => GetPropertiesCoreAsync(name, cancellationToken))
            : GetPropertiesCoreAsync(name, cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        BlobDiagnostics.IsEnabled
            ? BlobDiagnostics.TraceAsync(Provider, "delete", name, Server, () => DeleteCoreAsync(name, cancellationToken))
            : DeleteCoreAsync(name, cancellationToken);
}

using MailMesh.Blobs.Internal;

namespace MailMesh.Blobs.Local;

/// <summary>The <see cref="IBlobStore"/> entry points: each runs the store's own code, inside a span and a duration
/// measurement when something listens (<see cref="BlobDiagnostics"/>).</summary>
public sealed partial class LocalDirectoryBlobStore
{
    private const string Provider = "local";

    /// <inheritdoc />
    public Task<BlobProperties> PutAsync(string name, Stream content, string? contentType = null, CancellationToken cancellationToken = default) =>
        BlobDiagnostics.IsEnabled
            ? BlobDiagnostics.TraceAsync(Provider, "put", name, null, () => PutCoreAsync(name, content, contentType, cancellationToken))
            : PutCoreAsync(name, content, contentType, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<BlobProperties>> PutManyAsync(IReadOnlyList<BlobContent> blobs, string? contentType = null, CancellationToken cancellationToken = default) =>
        BlobDiagnostics.IsEnabled
            ? BlobDiagnostics.TraceAsync(Provider, "put_many", null, null, () => PutManyCoreAsync(blobs, contentType, cancellationToken))
            : PutManyCoreAsync(blobs, contentType, cancellationToken);

    /// <inheritdoc />
    public Task<BlobDownload?> OpenReadAsync(string name, BlobRange? range = null, CancellationToken cancellationToken = default) =>
        BlobDiagnostics.IsEnabled
            ? BlobDiagnostics.TraceAsync(Provider, "get", name, null, () => OpenReadCoreAsync(name, range, cancellationToken))
            : OpenReadCoreAsync(name, range, cancellationToken);

    /// <inheritdoc />
    public Task<BlobProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) =>
        BlobDiagnostics.IsEnabled
            ? BlobDiagnostics.TraceAsync(Provider, "properties", name, null, () => GetPropertiesCoreAsync(name, cancellationToken))
            : GetPropertiesCoreAsync(name, cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        BlobDiagnostics.IsEnabled
            ? BlobDiagnostics.TraceAsync(Provider, "delete", name, null, () => DeleteCoreAsync(name, cancellationToken))
            : DeleteCoreAsync(name, cancellationToken);

    /// <summary>Makes every blob whose put completed before this call durable: syncs the pack files written since the
    /// last flush (and each new pack's directory entry), then the files and directories of blobs stored in files of
    /// their own, then the catalog. The mailbox sync calls it before it indexes a batch, so a message is indexed only
    /// once its blob would survive a power loss.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) =>
        BlobDiagnostics.IsEnabled
            ? BlobDiagnostics.TraceAsync(Provider, "flush", null, () => FlushCoreAsync(cancellationToken))
            : FlushCoreAsync(cancellationToken);
}

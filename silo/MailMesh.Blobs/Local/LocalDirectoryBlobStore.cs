using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using MailMesh.Blobs.Internal;

namespace MailMesh.Blobs.Local;

/// <summary>Blobs as files under a directory (the embedded default). A blob named <c>a/b/c.eml</c> is the
/// file <c>&lt;root&gt;/data/a/b/c.eml</c>; its MD5 and content type sit beside it under
/// <c>&lt;root&gt;/meta/</c>. Writes go to a temporary file first and are renamed into place, so a reader
/// never sees half a blob and a crash never leaves one.</summary>
public sealed class LocalDirectoryBlobStore : IBlobStore
{
    private const string MetaSuffix = ".meta.json";
    private readonly string _dataRoot;
    private readonly string _metaRoot;
    private readonly string _tempRoot;
    private readonly TimeProvider _time;

    /// <summary>Creates (if needed) and opens the store at <paramref name="rootDirectory"/>.</summary>
    public LocalDirectoryBlobStore(string rootDirectory, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        var root = Path.GetFullPath(rootDirectory);
        _dataRoot = Path.Combine(root, "data");
        _metaRoot = Path.Combine(root, "meta");
        _tempRoot = Path.Combine(root, "tmp");
        _time = timeProvider ?? TimeProvider.System;
        try
        {
            Directory.CreateDirectory(_dataRoot);
            Directory.CreateDirectory(_metaRoot);
            Directory.CreateDirectory(_tempRoot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlobStoreException($"Blob directory '{root}' cannot be created or written: {e.Message}", isTransient: false, inner: e);
        }
    }

    /// <inheritdoc />
    public async Task<BlobProperties> PutAsync(string name, Stream content, string? contentType = null, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        ArgumentNullException.ThrowIfNull(content);
        var tempData = Path.Combine(_tempRoot, Guid.NewGuid().ToString("N"));
        var tempMeta = tempData + MetaSuffix;
        try
        {
            byte[] md5;
            long length;
            await using (var file = new FileStream(tempData, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
                var buffer = new byte[81920];
                int n;
                while ((n = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                }

                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                md5 = hash.GetHashAndReset();
                length = file.Length;
            }

            var properties = new BlobProperties(name, length, md5, NewETag(), _time.GetUtcNow(), contentType);
            await File.WriteAllBytesAsync(tempMeta, JsonSerializer.SerializeToUtf8Bytes(Meta.From(properties)), cancellationToken).ConfigureAwait(false);

            var dataPath = DataPath(name);
            var metaPath = MetaPath(name);
            Directory.CreateDirectory(Path.GetDirectoryName(dataPath)!);
            Directory.CreateDirectory(Path.GetDirectoryName(metaPath)!);
            // Metadata first: a crash between the two renames leaves the old content with new metadata,
            // which the MD5 check on read reports instead of serving silently.
            File.Move(tempMeta, metaPath, overwrite: true);
            File.Move(tempData, dataPath, overwrite: true);
            return properties;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not BlobStoreException)
        {
            throw new BlobStoreException($"Writing blob '{name}' to '{_dataRoot}' failed: {e.Message}", isTransient: false, inner: e);
        }
        finally
        {
            TryDelete(tempData);
            TryDelete(tempMeta);
        }
    }

    /// <inheritdoc />
    public async Task<BlobDownload?> OpenReadAsync(string name, BlobRange? range = null, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        range?.Validate();
        var properties = await GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false);
        if (properties is null)
        {
            return null;
        }

        FileStream file;
        try
        {
            file = new FileStream(DataPath(name), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        if (range is not { } r)
        {
            Stream whole = properties.ContentMd5.Length == 16 ? new Md5VerifyingStream(file, name, properties.ContentMd5) : file;
            return new BlobDownload(properties, whole, 0, file.Length);
        }

        var fileLength = file.Length;
        if (r.Offset >= fileLength && !(r.Offset == 0 && fileLength == 0))
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw new BlobStoreException($"Range starting at {r.Offset} is beyond the end of blob '{name}' ({fileLength} bytes).", isTransient: false, statusCode: 416);
        }

        var length = Math.Min(r.Length ?? long.MaxValue, file.Length - r.Offset);
        file.Seek(r.Offset, SeekOrigin.Begin);
        return new BlobDownload(properties, new BoundedReadStream(file, length), r.Offset, length);
    }

    /// <inheritdoc />
    public async Task<BlobProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        var data = new FileInfo(DataPath(name));
        if (!data.Exists)
        {
            return null;
        }

        try
        {
            var json = await File.ReadAllBytesAsync(MetaPath(name), cancellationToken).ConfigureAwait(false);
            var meta = JsonSerializer.Deserialize<Meta>(json) ?? throw new JsonException("empty metadata");
            return new BlobProperties(name, data.Length, Convert.FromHexString(meta.Md5), meta.ETag, meta.LastModified, meta.ContentType);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException or FormatException)
        {
            // Content without readable metadata: serve it, but say nothing about its MD5.
            return new BlobProperties(name, data.Length, [], $"\"{data.LastWriteTimeUtc.Ticks:x}\"", data.LastWriteTimeUtc, null);
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        var dataPath = DataPath(name);
        var existed = File.Exists(dataPath);
        TryDelete(dataPath);
        TryDelete(MetaPath(name));
        return Task.FromResult(existed);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BlobProperties> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BlobName.ValidatePrefix(prefix);
        var slash = prefix.LastIndexOf('/');
        var startDirectory = slash < 0 ? _dataRoot : Path.Combine(_dataRoot, prefix[..slash]);
        if (!Directory.Exists(startDirectory))
        {
            yield break;
        }

        var names = Directory.EnumerateFiles(startDirectory, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(_dataRoot, path).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var properties = await GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false);
            if (properties is not null)
            {
                yield return properties;
            }
        }
    }

    private string DataPath(string name) => Path.Combine(_dataRoot, name);

    private string MetaPath(string name) => Path.Combine(_metaRoot, name + MetaSuffix);

    private string NewETag() => $"\"{_time.GetUtcNow().UtcTicks:x}-{Random.Shared.Next():x}\"";

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing to delete.
        }
    }

    private sealed record Meta(string Md5, string ETag, DateTimeOffset LastModified, string? ContentType)
    {
        public static Meta From(BlobProperties p) => new(Convert.ToHexStringLower(p.ContentMd5), p.ETag, p.LastModified, p.ContentType);
    }
}

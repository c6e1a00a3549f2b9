using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using MailMesh.Blobs.Internal;
using Microsoft.Win32.SafeHandles;

namespace MailMesh.Blobs.Local;

/// <summary>Blobs as files under a directory (the embedded default). A blob named <c>a/b/c.eml</c> is the
/// file <c>&lt;root&gt;/data/a/b/c.eml</c>: a short header (MD5, ETag, last-modified, content type) followed by
/// the content, one file per blob (docs/adr/blobs-01-local-one-file.md). Writes go to a temporary file under
/// <c>&lt;root&gt;/tmp/</c> first and are renamed into place, so a reader never sees half a blob and a crash
/// never leaves one (a torn temporary file is never read). Blobs written by earlier versions (content file plus
/// <c>&lt;root&gt;/meta/&lt;name&gt;.meta.json</c>) are read and deleted as before.</summary>
public sealed partial class LocalDirectoryBlobStore : IBlobStore
{
    private const string MetaSuffix = ".meta.json";
    private const int BufferSize = 64 * 1024;
    private const int MaxKnownDirectories = 100_000;
    private readonly string _dataRoot;
    private readonly string _metaRoot;
    private readonly string _tempRoot;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, byte> _knownDirectories = new(StringComparer.Ordinal);

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
        if (contentType is not null && Encoding.UTF8.GetByteCount(contentType) > LocalBlobHeader.MaxContentTypeBytes)
        {
            throw new ArgumentException(
                $"The content type of blob '{name}' is {Encoding.UTF8.GetByteCount(contentType)} bytes of UTF-8; at most {LocalBlobHeader.MaxContentTypeBytes} are stored.",
                nameof(contentType));
        }

        var etag = NewETag();
        var headerLength = LocalBlobHeader.LengthFor(etag, contentType);
        var temp = Path.Combine(_tempRoot, Guid.NewGuid().ToString("N"));
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var moved = false;
        try
        {
            BlobProperties properties;
            // Synchronous writes: the data goes to the page cache, and a tiny file written through an asynchronous
            // FileStream costs a thread-pool hop per call on Linux. One file, one rename per blob.
            using (var file = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
                var filled = headerLength;
                var ended = false;
                while (filled < buffer.Length)
                {
                    var n = await content.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        ended = true;
                        break;
                    }

                    filled += n;
                }

                hash.AppendData(buffer, headerLength, filled - headerLength);
                long length = filled - headerLength;
                if (!ended)
                {
                    // Large blob: the header's place is written now and filled in once the MD5 is known.
                    buffer.AsSpan(0, headerLength).Clear();
                    RandomAccess.Write(file, buffer.AsSpan(0, filled), 0);
                    int n;
                    while ((n = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        hash.AppendData(buffer, 0, n);
                        RandomAccess.Write(file, buffer.AsSpan(0, n), headerLength + length);
                        length += n;
                    }

                    filled = headerLength;
                }

                properties = new BlobProperties(name, length, hash.GetHashAndReset(), etag, _time.GetUtcNow(), contentType);
                LocalBlobHeader.Write(buffer.AsSpan(0, headerLength), properties.ContentMd5, etag, properties.LastModified, contentType);
                // A small blob is written here in one call, header and content together.
                RandomAccess.Write(file, buffer.AsSpan(0, filled), 0);
            }

            MoveIntoPlace(temp, DataPath(name));
            moved = true;
            return properties;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not BlobStoreException)
        {
            throw new BlobStoreException($"Writing blob '{name}' to '{_dataRoot}' failed: {e.Message}", isTransient: false, inner: e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (!moved)
            {
                TryDelete(temp);
            }
        }
    }

    /// <inheritdoc />
    public async Task<BlobDownload?> OpenReadAsync(string name, BlobRange? range = null, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        range?.Validate();
        var path = DataPath(name);
        var handle = TryOpen(path, FileOptions.SequentialScan);
        if (handle is null)
        {
            return null;
        }

        FileStream? file = null;
        try
        {
            var (properties, offset) = await ReadInfoAsync(handle, name, path, cancellationToken).ConfigureAwait(false);
            file = new FileStream(handle, FileAccess.Read, 81920);
            file.Seek(offset + (range?.Offset ?? 0), SeekOrigin.Begin);
            if (range is not { } r)
            {
                Stream whole = offset == 0 ? file : new BoundedReadStream(file, properties.Length);
                if (properties.ContentMd5.Length == 16)
                {
                    whole = new Md5VerifyingStream(whole, name, properties.ContentMd5);
                }

                return new BlobDownload(properties, whole, 0, properties.Length);
            }

            if (r.Offset >= properties.Length && !(r.Offset == 0 && properties.Length == 0))
            {
                throw new BlobStoreException($"Range starting at {r.Offset} is beyond the end of blob '{name}' ({properties.Length} bytes).", isTransient: false, statusCode: 416);
            }

            var length = Math.Min(r.Length ?? long.MaxValue, properties.Length - r.Offset);
            return new BlobDownload(properties, new BoundedReadStream(file, length), r.Offset, length);
        }
        catch
        {
            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                handle.Dispose();
            }

            throw;
        }
    }

    /// <inheritdoc />
    public async Task<BlobProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        var path = DataPath(name);
        using var handle = TryOpen(path, FileOptions.None);
        if (handle is null)
        {
            return null;
        }

        var (properties, _) = await ReadInfoAsync(handle, name, path, cancellationToken).ConfigureAwait(false);
        return properties;
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        var dataPath = DataPath(name);
        var existed = File.Exists(dataPath);
        TryDelete(dataPath);
        // A blob of the old layout (or one rewritten since) may have metadata beside it.
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

    /// <summary>Renames a written temporary file into place, creating its directory the first time this store
    /// sees it (and again if it was removed behind the store's back).</summary>
    private void MoveIntoPlace(string temp, string destination)
    {
        var directory = Path.GetDirectoryName(destination)!;
        if (!_knownDirectories.ContainsKey(directory))
        {
            Directory.CreateDirectory(directory);
            if (_knownDirectories.Count >= MaxKnownDirectories)
            {
                _knownDirectories.Clear();
            }

            _knownDirectories.TryAdd(directory, 0);
        }

        try
        {
            File.Move(temp, destination, overwrite: true);
        }
        catch (IOException) when (!Directory.Exists(directory))
        {
            _knownDirectories.TryRemove(directory, out _);
            Directory.CreateDirectory(directory);
            File.Move(temp, destination, overwrite: true);
            _knownDirectories.TryAdd(directory, 0);
        }
    }

    private static SafeFileHandle? TryOpen(string path, FileOptions options)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, options);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException
            || (e is UnauthorizedAccessException && Directory.Exists(path)))
        {
            // No blob (a directory of that name holds other blobs, it is not one).
            return null;
        }
    }

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
}

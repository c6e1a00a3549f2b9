using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace MailMesh.Blobs.Local;

/// <summary>Blobs under a directory (the embedded default). Blobs up to <see cref="LocalBlobStoreOptions.PackBlobsUpTo"/>
/// bytes (nearly every message) are appended to pack files under <c>&lt;root&gt;/packs/</c> and found through a
/// SQLite catalog there (docs/adr/blobs-02-local-packs.md): creating a file per message costs far more than writing
/// it. Larger blobs get a file of their own: a blob named <c>a/b/c.eml</c> is <c>&lt;root&gt;/data/a/b/c.eml</c>, a
/// short header (MD5, ETag, last-modified, content type) followed by the content (docs/adr/blobs-01-local-one-file.md),
/// written to <c>&lt;root&gt;/tmp/</c> first and renamed into place. Either way a reader never sees half a blob. Puts
/// are not synced one by one: <see cref="FlushAsync"/> makes every completed put durable. Blobs written by earlier
/// versions (content file plus <c>&lt;root&gt;/meta/&lt;name&gt;.meta.json</c>, or one file per blob) are read and
/// deleted as before.</summary>
public sealed partial class LocalDirectoryBlobStore : IBlobStore, IDisposable
{
    private const string MetaSuffix = ".meta.json";
    private const int BufferSize = 64 * 1024;
    private const int MaxKnownDirectories = 100_000;
    private readonly string _dataRoot;
    private readonly string _metaRoot;
    private readonly string _tempRoot;
    private readonly string _packRoot;
    private readonly TimeProvider _time;
    private readonly LocalBlobStoreOptions _options;
    private readonly BlobPackCatalog _catalog;
    private readonly BlobPackWriter _packs;
    private readonly ConcurrentDictionary<string, byte> _knownDirectories = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _unflushedFiles = new();
    private readonly ConcurrentQueue<string> _unflushedDirectories = new();
    private volatile bool _catalogMayHaveBlobs = true;

    /// <summary>Creates (if needed) and opens the store at <paramref name="rootDirectory"/>.</summary>
    public LocalDirectoryBlobStore(string rootDirectory, TimeProvider? timeProvider = null, LocalBlobStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        _options = options ?? new LocalBlobStoreOptions();
        if (_options.Validate() is { } problem)
        {
            throw new ArgumentException($"Local blob store options: {problem}.", nameof(options));
        }

        var root = Path.GetFullPath(rootDirectory);
        _dataRoot = Path.Combine(root, "data");
        _metaRoot = Path.Combine(root, "meta");
        _tempRoot = Path.Combine(root, "tmp");
        _packRoot = Path.Combine(root, "packs");
        _time = timeProvider ?? TimeProvider.System;
        try
        {
            Directory.CreateDirectory(_dataRoot);
            Directory.CreateDirectory(_tempRoot);
            Directory.CreateDirectory(_packRoot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BlobStoreException($"Blob directory '{root}' cannot be created or written: {e.Message}", isTransient: false, inner: e);
        }

        _catalog = new BlobPackCatalog(Path.Combine(_packRoot, "catalog.db"));
        _packs = new BlobPackWriter(_packRoot, _options.PackFileBytes, _time);
        _catalogMayHaveBlobs = _catalog.HasAny();
    }

    private async Task<BlobProperties> PutCoreAsync(string name, Stream content, string? contentType, CancellationToken cancellationToken)
    {
        BlobName.Validate(name);
        ArgumentNullException.ThrowIfNull(content);
        CheckContentType(name, contentType);

        var etag = NewETag();
        var headerLength = LocalBlobHeader.LengthFor(etag, contentType);
        // Room for the header, then the content: a blob that fits (with one byte to spare, to see its end) is written
        // in one go, to a pack or to its own file.
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(BufferSize, headerLength + _options.PackBlobsUpTo + 1));
        try
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
            if (ended && filled - headerLength <= _options.PackBlobsUpTo)
            {
                return await PutPackedAsync(name, buffer.AsMemory(headerLength, filled - headerLength), hash.GetHashAndReset(), etag, contentType).ConfigureAwait(false);
            }

            return await PutFileAsync(name, content, buffer, headerLength, filled, ended, hash, etag, contentType, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not BlobStoreException)
        {
            throw new BlobStoreException($"Writing blob '{name}' under '{_dataRoot}' failed: {e.Message}", isTransient: false, inner: e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc />
    public async Task<BlobProperties> PutAsync(string name, ReadOnlyMemory<byte> content, string? contentType = null, CancellationToken cancellationToken = default)
    {
        if (content.Length > _options.PackBlobsUpTo)
        {
            // A file of its own, written through the stream path.
            using var stream = MemoryMarshal.TryGetArray(content, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(content.ToArray(), writable: false);
            return await PutAsync(name, stream, contentType, cancellationToken).ConfigureAwait(false);
        }

        BlobName.Validate(name);
        CheckContentType(name, contentType);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // Small: MD5 in one call and one positioned write into the pack, straight from the caller's memory.
            return await PutPackedAsync(name, content, MD5.HashData(content.Span), NewETag(), contentType).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not BlobStoreException)
        {
            throw new BlobStoreException($"Writing blob '{name}' under '{_dataRoot}' failed: {e.Message}", isTransient: false, inner: e);
        }
    }

    private static void CheckContentType(string name, string? contentType)
    {
        if (contentType is not null && Encoding.UTF8.GetByteCount(contentType) > LocalBlobHeader.MaxContentTypeBytes)
        {
            throw new ArgumentException(
                $"The content type of blob '{name}' is {Encoding.UTF8.GetByteCount(contentType)} bytes of UTF-8; at most {LocalBlobHeader.MaxContentTypeBytes} are stored.",
                nameof(contentType));
        }
    }

    /// <summary>A blob in a file of its own: written to <c>tmp/</c> (header placeholder, content, then the header once
    /// the MD5 is known; a small blob in one write), renamed into place.</summary>
    private async Task<BlobProperties> PutFileAsync(
        string name, Stream content, byte[] buffer, int headerLength, int filled, bool ended, IncrementalHash hash, string etag, string? contentType,
        CancellationToken cancellationToken)
    {
        var temp = Path.Combine(_tempRoot, Guid.NewGuid().ToString("N"));
        var moved = false;
        try
        {
            BlobProperties properties;
            // Synchronous writes: the data goes to the page cache, and a tiny file written through an asynchronous
            // FileStream costs a thread-pool hop per call on Linux. One file, one rename per blob.
            using (var file = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None))
            {
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

            var destination = DataPath(name);
            MoveIntoPlace(temp, destination);
            moved = true;
            _unflushedFiles.Enqueue(destination);
            if (_catalogMayHaveBlobs)
            {
                // A packed blob of the same name (written while packing was on, or while it was smaller) is replaced.
                _catalog.Remove(name);
            }

            return properties;
        }
        finally
        {
            if (!moved)
            {
                TryDelete(temp);
            }
        }
    }

    private async Task<BlobDownload?> OpenReadCoreAsync(string name, BlobRange? range, CancellationToken cancellationToken)
    {
        BlobName.Validate(name);
        range?.Validate();
        if (_catalogMayHaveBlobs && FindPacked(name) is { } packed)
        {
            return await OpenPackedAsync(packed, range).ConfigureAwait(false);
        }

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
            return Slice(file, properties, offset, range, boundedWhole: offset != 0);
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

    private async Task<BlobProperties?> GetPropertiesCoreAsync(string name, CancellationToken cancellationToken)
    {
        BlobName.Validate(name);
        if (_catalogMayHaveBlobs && FindPacked(name) is { } packed)
        {
            return packed.ToProperties();
        }

        var path = DataPath(name);
        using var handle = TryOpen(path, FileOptions.None);
        if (handle is null)
        {
            return null;
        }

        var (properties, _) = await ReadInfoAsync(handle, name, path, cancellationToken).ConfigureAwait(false);
        return properties;
    }

    private Task<bool> DeleteCoreAsync(string name, CancellationToken cancellationToken)
    {
        BlobName.Validate(name);
        var packed = _catalogMayHaveBlobs && RemovePacked(name);
        var dataPath = DataPath(name);
        var existed = File.Exists(dataPath);
        TryDelete(dataPath);
        // A blob of the old layout (or one rewritten since) may have metadata beside it.
        TryDelete(MetaPath(name));
        return Task.FromResult(packed || existed);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BlobProperties> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BlobName.ValidatePrefix(prefix);
        var packed = _catalogMayHaveBlobs ? ListPacked(prefix) : [];
        var slash = prefix.LastIndexOf('/');
        var startDirectory = slash < 0 ? _dataRoot : Path.Combine(_dataRoot, prefix[..slash]);
        var files = Directory.Exists(startDirectory)
            ? Directory.EnumerateFiles(startDirectory, "*", SearchOption.AllDirectories)
                .Select(path => Path.GetRelativePath(_dataRoot, path).Replace(Path.DirectorySeparatorChar, '/'))
                .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && !packed.ContainsKey(name))
            : [];
        foreach (var name in files.Concat(packed.Keys).Order(StringComparer.Ordinal).ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var properties = packed.TryGetValue(name, out var p) ? p : await GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false);
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
            CreateDirectory(directory);
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
            CreateDirectory(directory);
            File.Move(temp, destination, overwrite: true);
            _knownDirectories.TryAdd(directory, 0);
        }
    }

    /// <summary>Creates a blob's directory (and its missing parents), remembering them for the next flush.</summary>
    private void CreateDirectory(string directory)
    {
        for (var missing = directory; missing.Length > _dataRoot.Length && !Directory.Exists(missing); missing = Path.GetDirectoryName(missing)!)
        {
            _unflushedDirectories.Enqueue(missing);
        }

        Directory.CreateDirectory(directory);
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

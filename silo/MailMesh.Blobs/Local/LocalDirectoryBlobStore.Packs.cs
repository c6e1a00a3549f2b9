using System.Security.Cryptography;
using MailMesh.Blobs.Internal;
using Microsoft.Data.Sqlite;
using Microsoft.Win32.SafeHandles;

namespace MailMesh.Blobs.Local;

/// <summary>Packed blobs (docs/adr/blobs-02-local-packs.md): puts, reads, flush and compaction.</summary>
public sealed partial class LocalDirectoryBlobStore
{
    private readonly Lock _compactionLock = new();
    private DateTimeOffset? _lastCompaction;

    private Task FlushCoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            _packs.Flush();
            var directories = new HashSet<string>(StringComparer.Ordinal);
            while (_unflushedFiles.TryDequeue(out var path))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var handle = TryOpen(path, FileOptions.None);
                if (handle is not null)
                {
                    RandomAccess.FlushToDisk(handle);
                }

                directories.Add(Path.GetDirectoryName(path)!);
            }

            while (_unflushedDirectories.TryDequeue(out var created))
            {
                // A directory created for a blob: its own entry lives in its parent.
                directories.Add(Path.GetDirectoryName(created)!);
            }

            foreach (var directory in directories.Where(Directory.Exists))
            {
                DirectorySync.Sync(directory);
            }

            _catalog.Flush(_time.GetUtcNow());
            return Task.CompletedTask;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SqliteException && e is not BlobStoreException)
        {
            throw new BlobStoreException($"Syncing the blob store '{Path.GetDirectoryName(_dataRoot)}' to disk failed: {e.Message}", isTransient: true, inner: e);
        }
    }

    /// <summary>Runs <see cref="CompactAsync"/> unless this store compacted less than <paramref name="interval"/> ago
    /// (many mailboxes may ask; the store is shared). Null when skipped.</summary>
    public async Task<PackCompaction?> CompactIfDueAsync(TimeSpan interval, TimeSpan minimumAge, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        lock (_compactionLock)
        {
            if (_lastCompaction is { } last && now - last < interval)
            {
                return null;
            }

            _lastCompaction = now;
        }

        return await CompactAsync(minimumAge, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reclaims the space of deleted and replaced packed blobs: removes pack files no blob is in any more, and
    /// copies the blobs of packs less than half in use into the current pack, then removes those packs. Packs this
    /// instance is still writing, and packs written to within <paramref name="minimumAge"/> (another store instance on
    /// the same directory may be appending to them), are left alone.</summary>
    /// <returns>What was reclaimed.</returns>
    public async Task<PackCompaction> CompactAsync(TimeSpan minimumAge, CancellationToken cancellationToken = default)
    {
        var open = _packs.OpenPacks();
        var live = _catalog.LiveBytesByPack();
        var now = _time.GetUtcNow();
        int removed = 0, rewritten = 0;
        long reclaimed = 0;
        foreach (var path in Directory.EnumerateFiles(_packRoot, "*" + BlobPackWriter.Extension).Order(StringComparer.Ordinal).ToList())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var pack = Path.GetFileName(path);
            var info = new FileInfo(path);
            if (open.Contains(pack) || !info.Exists || now - info.LastWriteTimeUtc < minimumAge)
            {
                continue;
            }

            var liveBytes = live.GetValueOrDefault(pack);
            if (liveBytes * 2 >= info.Length && liveBytes > 0)
            {
                continue;
            }

            if (liveBytes > 0)
            {
                await RewritePackAsync(pack, path, cancellationToken).ConfigureAwait(false);
                rewritten++;
            }

            if (_catalog.InPack(pack).Count == 0)
            {
                TryDelete(path);
                removed++;
                reclaimed += info.Length - liveBytes;
            }
        }

        return new PackCompaction(removed, rewritten, reclaimed);
    }

    /// <summary>Copies a pack's blobs into the current pack and points the catalog at the copies (unless a blob was
    /// replaced or deleted meanwhile); the copies are flushed before the old pack can go.</summary>
    private async Task RewritePackAsync(string pack, string path, CancellationToken cancellationToken)
    {
        using (var handle = TryOpenPack(path) ?? throw new BlobStoreException($"Pack file '{path}' vanished while it was compacted.", isTransient: true))
        {
            foreach (var blob in _catalog.InPack(pack))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var bytes = new byte[blob.Length];
                if (ReadAt(handle, bytes, blob.Offset) != bytes.Length)
                {
                    // The catalog points past the pack's end (a pack torn by a power loss): nothing to copy; reads of
                    // this blob already report it damaged, and deleting it is the owner's call.
                    continue;
                }

                var (target, offset) = _packs.Append(bytes);
                _catalog.Relocate(blob, target, offset);
            }
        }

        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<BlobProperties> PutPackedAsync(string name, ReadOnlyMemory<byte> content, byte[] md5, string etag, string? contentType)
    {
        var (pack, offset) = _packs.Append(content.Span);
        var blob = new PackedBlob(name, pack, offset, content.Length, md5, etag, _time.GetUtcNow(), contentType);
        _catalogMayHaveBlobs = true;
        await _catalog.AddAsync(blob).ConfigureAwait(false);
        RemoveOwnFile(name);
        return blob.ToProperties();
    }

    /// <summary>Blobs up to <see cref="LocalBlobStoreOptions.PackBlobsUpTo"/> go to the pack together: one MD5 call each,
    /// one gathering write per pack they land in, and one catalog transaction. Larger ones take the single-blob path.</summary>
    private async Task<IReadOnlyList<BlobProperties>> PutManyCoreAsync(IReadOnlyList<BlobContent> blobs, string? contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        var packed = new List<int>(blobs.Count);
        var results = new BlobProperties[blobs.Count];
        for (var i = 0; i < blobs.Count; i++)
        {
            BlobName.Validate(blobs[i].Name);
            if (blobs[i].Content.Length <= _options.PackBlobsUpTo)
            {
                packed.Add(i);
            }
        }

        CheckContentType(blobs.Count == 0 ? "" : blobs[0].Name, contentType);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            if (packed.Count > 0)
            {
                var contents = new ReadOnlyMemory<byte>[packed.Count];
                for (var i = 0; i < packed.Count; i++)
                {
                    contents[i] = blobs[packed[i]].Content;
                }

                var places = _packs.AppendMany(contents);
                var now = _time.GetUtcNow();
                var rows = new PackedBlob[packed.Count];
                for (var i = 0; i < packed.Count; i++)
                {
                    var blob = blobs[packed[i]];
                    rows[i] = new PackedBlob(blob.Name, places[i].Pack, places[i].Offset, blob.Content.Length, MD5.HashData(blob.Content.Span), NewETag(), now, contentType);
                    results[packed[i]] = rows[i].ToProperties();
                }

                _catalogMayHaveBlobs = true;
                await _catalog.AddManyAsync(rows).ConfigureAwait(false);
                foreach (var row in rows)
                {
                    RemoveOwnFile(row.Name);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not BlobStoreException)
        {
            throw new BlobStoreException($"Writing {packed.Count} blob(s) under '{_dataRoot}' failed: {e.Message}", isTransient: false, inner: e);
        }

        for (var i = 0; i < blobs.Count; i++)
        {
            results[i] ??= await PutAsync(blobs[i].Name, blobs[i].Content, contentType, cancellationToken).ConfigureAwait(false);
        }

        return results;
    }

    /// <summary>An earlier blob of this name in a file of its own would come back once the packed one is deleted.</summary>
    private void RemoveOwnFile(string name)
    {
        var file = DataPath(name);
        if (File.Exists(file))
        {
            TryDelete(file);
            TryDelete(MetaPath(name));
        }
    }

    private async Task<BlobDownload?> OpenPackedAsync(PackedBlob packed, BlobRange? range)
    {
        var path = BlobPackWriter.PathOf(_packRoot, packed.Pack);
        var handle = TryOpenPack(path);
        if (handle is null)
        {
            // Compaction may have moved it to another pack between the lookup and the open.
            if (FindPacked(packed.Name) is not { } moved || moved.Pack == packed.Pack)
            {
                throw Damaged(packed.Name, path, "its pack file is missing");
            }

            return await OpenPackedAsync(moved, range).ConfigureAwait(false);
        }

        try
        {
            var packLength = RandomAccess.GetLength(handle);
            if (packed.Offset + packed.Length > packLength)
            {
                throw Damaged(packed.Name, path, $"the pack has {packLength} bytes, the blob is catalogued at {packed.Offset}..{packed.Offset + packed.Length}");
            }

            var file = new FileStream(handle, FileAccess.Read, 16 * 1024);
            return Slice(file, packed.ToProperties(), packed.Offset, range, boundedWhole: true);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The blob's bytes (or the range asked for) of an open file whose content starts at <paramref name="contentOffset"/>.</summary>
    private static BlobDownload Slice(FileStream file, BlobProperties properties, long contentOffset, BlobRange? range, bool boundedWhole)
    {
        file.Seek(contentOffset + (range?.Offset ?? 0), SeekOrigin.Begin);
        if (range is not { } r)
        {
            Stream whole = boundedWhole ? new BoundedReadStream(file, properties.Length) : file;
            if (properties.ContentMd5.Length == 16)
            {
                whole = new Md5VerifyingStream(whole, properties.Name, properties.ContentMd5);
            }

            return new BlobDownload(properties, whole, 0, properties.Length);
        }

        if (r.Offset >= properties.Length && !(r.Offset == 0 && properties.Length == 0))
        {
            file.Dispose();
            throw new BlobStoreException($"Range starting at {r.Offset} is beyond the end of blob '{properties.Name}' ({properties.Length} bytes).", isTransient: false, statusCode: 416);
        }

        var length = Math.Min(r.Length ?? long.MaxValue, properties.Length - r.Offset);
        return new BlobDownload(properties, new BoundedReadStream(file, length), r.Offset, length);
    }

    private PackedBlob? FindPacked(string name) => Catalog(() => _catalog.Find(name), name);

    private bool RemovePacked(string name) => Catalog(() => _catalog.Remove(name), name);

    private Dictionary<string, BlobProperties> ListPacked(string prefix) =>
        Catalog(() => _catalog.List(prefix).ToDictionary(b => b.Name, b => b.ToProperties(), StringComparer.Ordinal), prefix);

    private T Catalog<T>(Func<T> query, string name)
    {
        try
        {
            return query();
        }
        catch (SqliteException e)
        {
            throw new BlobStoreException($"The blob pack catalog failed for '{name}': {e.Message}", isTransient: e.SqliteErrorCode is 5 or 6, inner: e);
        }
    }

    private static SafeFileHandle? TryOpenPack(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Closes the current pack and the catalog. Puts not yet flushed stay in the page cache as they are.</summary>
    public void Dispose()
    {
        _packs.Dispose();
        _catalog.Dispose();
    }
}

/// <summary>What <see cref="LocalDirectoryBlobStore.CompactAsync"/> reclaimed.</summary>
/// <param name="PacksRemoved">Pack files deleted.</param>
/// <param name="PacksRewritten">Packs whose remaining blobs were copied elsewhere first.</param>
/// <param name="BytesReclaimed">Disk space given back, in bytes.</param>
public sealed record PackCompaction(int PacksRemoved, int PacksRewritten, long BytesReclaimed);

using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace MailMesh.Blobs.Local;

/// <summary>Reading a blob's properties: from its header (one-file layout) or from <c>meta/</c> (old layout).</summary>
public sealed partial class LocalDirectoryBlobStore
{
    /// <summary>The blob's properties and where its content starts in the file.</summary>
    private async Task<(BlobProperties Properties, int ContentOffset)> ReadInfoAsync(SafeFileHandle file, string name, string path, CancellationToken cancellationToken)
    {
        long fileLength;
        byte[] probe;
        int read;
        try
        {
            fileLength = RandomAccess.GetLength(file);
            probe = new byte[(int)Math.Min(LocalBlobHeader.ProbeLength, fileLength)];
            read = ReadAt(file, probe, 0);
        }
        catch (IOException e)
        {
            throw new BlobStoreException($"Reading blob '{name}' from '{path}' failed: {e.Message}", isTransient: false, inner: e);
        }

        if (!LocalBlobHeader.HasMagic(probe.AsSpan(0, read)))
        {
            return (await ReadOldLayoutAsync(name, path, fileLength, cancellationToken).ConfigureAwait(false), 0);
        }

        var stated = LocalBlobHeader.StatedLength(probe.AsSpan(0, read), out var problem) ?? throw Damaged(name, path, problem!);
        if (stated > fileLength)
        {
            throw Damaged(name, path, $"the file has {fileLength} bytes, the header says it alone has {stated}");
        }

        var header = probe;
        if (stated > read)
        {
            header = new byte[stated];
            if (ReadAt(file, header, 0) != stated)
            {
                throw Damaged(name, path, $"the file ends inside its {stated}-byte header");
            }
        }

        var parsed = LocalBlobHeader.Parse(header.AsSpan(0, stated), out problem) ?? throw Damaged(name, path, problem!);
        return (new BlobProperties(name, fileLength - stated, parsed.Md5, parsed.ETag, parsed.LastModified, parsed.ContentType), stated);
    }

    /// <summary>A blob written before the one-file layout: the whole file is content, its metadata is beside it.</summary>
    private async Task<BlobProperties> ReadOldLayoutAsync(string name, string path, long length, CancellationToken cancellationToken)
    {
        try
        {
            var json = await File.ReadAllBytesAsync(MetaPath(name), cancellationToken).ConfigureAwait(false);
            var meta = JsonSerializer.Deserialize<OldMeta>(json) ?? throw new JsonException("empty metadata");
            return new BlobProperties(name, length, Convert.FromHexString(meta.Md5), meta.ETag, meta.LastModified, meta.ContentType);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException or FormatException)
        {
            // Content without readable metadata: serve it, but say nothing about its MD5.
            var written = File.GetLastWriteTimeUtc(path);
            return new BlobProperties(name, length, [], $"\"{written.Ticks:x}\"", written, null);
        }
    }

    private static int ReadAt(SafeFileHandle file, byte[] buffer, long offset)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = RandomAccess.Read(file, buffer.AsSpan(total), offset + total);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    private static BlobStoreException Damaged(string name, string path, string problem) =>
        new($"Blob '{name}' ('{path}') has a damaged header: {problem}.", isTransient: false, errorCode: "DamagedHeader");

    /// <summary>The old layout's <c>meta/&lt;name&gt;.meta.json</c>.</summary>
    private sealed record OldMeta(string Md5, string ETag, DateTimeOffset LastModified, string? ContentType);
}

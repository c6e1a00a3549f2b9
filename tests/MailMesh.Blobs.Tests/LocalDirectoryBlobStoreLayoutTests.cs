using System.Security.Cryptography;
using System.Text.Json;
using MailMesh.Blobs.Local;
using MailMesh.Testing;

namespace MailMesh.Blobs.Tests;

/// <summary>The one-file layout on disk (packing off), its header, and blobs written in the old two-file layout.</summary>
public sealed class LocalDirectoryBlobStoreLayoutTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mailmesh-blobs-layout-" + Guid.NewGuid().ToString("N"));
    private static readonly LocalBlobStoreOptions OneFilePerBlob = new() { PackBlobsUpTo = 0 };
    private readonly LocalDirectoryBlobStore _store;

    public LocalDirectoryBlobStoreLayoutTests()
    {
        _store = new LocalDirectoryBlobStore(_directory, options: OneFilePerBlob);
    }

    [SkippableFact]
    public async Task Put_OneBlob_CreatesOneFileAndNoMetadata()
    {
        var bytes = Bytes(3000, seed: 1);
        await _store.PutAsync("t/inbox/1.eml", new MemoryStream(bytes), "message/rfc822");

        var file = Assert.Single(BlobFiles());
        Assert.Equal(Path.Combine(_directory, "data", "t", "inbox", "1.eml"), file);
        var onDisk = await File.ReadAllBytesAsync(file);
        Assert.True(onDisk.Length > bytes.Length, "the file holds a header before the content");
        Assert.Equal(0x89, onDisk[0]);
        Assert.Equal(bytes, onDisk[^bytes.Length..]);
    }

    [SkippableFact]
    public async Task OpenRead_RangesAtTheHeaderBoundary_ReturnContentBytesOnly()
    {
        var bytes = Bytes(100_000, seed: 2);
        await _store.PutAsync("t/r.eml", new MemoryStream(bytes), "message/rfc822");

        foreach (var (offset, length) in new (long, long?)[] { (0, 1), (0, 200), (1, 7), (0, null), (99_999, 1), (65_000, 2000) })
        {
            await using var download = await _store.OpenReadAsync("t/r.eml", new BlobRange(offset, length));
            var expected = bytes.AsSpan((int)offset, (int)(length ?? (bytes.Length - offset))).ToArray();
            Assert.Equal(expected, await ReadAllAsync(download!.Content));
            Assert.Equal(expected.Length, download.Length);
            Assert.Equal(bytes.Length, download.Properties.Length);
        }

        var beyond = await Assert.ThrowsAsync<BlobStoreException>(() => _store.OpenReadAsync("t/r.eml", new BlobRange(bytes.Length)));
        Assert.Equal(416, beyond.StatusCode);
    }

    [SkippableFact]
    public async Task Put_ContentLongerThanOneBuffer_HeaderCarriesWholeMd5()
    {
        var bytes = Bytes(300_001, seed: 3);
        var stored = await _store.PutAsync("t/big", new MemoryStream(bytes), "application/octet-stream");

        var properties = await _store.GetPropertiesAsync("t/big");
        Assert.Equal(MD5.HashData(bytes), properties!.ContentMd5);
        Assert.Equal(stored.ETag, properties.ETag);
        Assert.Equal(stored.LastModified, properties.LastModified);
        Assert.Equal("application/octet-stream", properties.ContentType);
        await using var download = await _store.OpenReadAsync("t/big");
        Assert.Equal(bytes, await ReadAllAsync(download!.Content));
    }

    [SkippableFact]
    public async Task OldLayoutStore_IsReadListedAndDeleted()
    {
        var bytes = Bytes(5000, seed: 4);
        var lastModified = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);
        await WriteOldLayoutAsync("t/old/1.eml", bytes, lastModified, "message/rfc822");
        await WriteOldLayoutAsync("t/old/2.eml", Bytes(10, seed: 5), lastModified, null);
        var reopened = new LocalDirectoryBlobStore(_directory, options: OneFilePerBlob);

        var properties = await reopened.GetPropertiesAsync("t/old/1.eml");
        Assert.Equal(bytes.Length, properties!.Length);
        Assert.Equal(MD5.HashData(bytes), properties.ContentMd5);
        Assert.Equal("\"old-etag\"", properties.ETag);
        Assert.Equal(lastModified, properties.LastModified);
        Assert.Equal("message/rfc822", properties.ContentType);
        await using (var whole = await reopened.OpenReadAsync("t/old/1.eml"))
        {
            Assert.Equal(bytes, await ReadAllAsync(whole!.Content));
        }

        await using (var range = await reopened.OpenReadAsync("t/old/1.eml", new BlobRange(0, 16)))
        {
            Assert.Equal(bytes[..16], await ReadAllAsync(range!.Content));
        }

        Assert.Equal(["t/old/1.eml", "t/old/2.eml"], await ListNamesAsync(reopened, "t/old/"));
        Assert.True(await reopened.DeleteAsync("t/old/1.eml"));
        Assert.False(File.Exists(Path.Combine(_directory, "data", "t", "old", "1.eml")));
        Assert.False(File.Exists(Path.Combine(_directory, "meta", "t", "old", "1.eml.meta.json")));
        Assert.Null(await reopened.GetPropertiesAsync("t/old/1.eml"));
    }

    [SkippableFact]
    public async Task OldLayoutBlob_CorruptedContent_FailsItsMd5Check()
    {
        var bytes = Bytes(2000, seed: 6);
        await WriteOldLayoutAsync("t/old/c.eml", bytes, DateTimeOffset.UnixEpoch, null);
        var file = Path.Combine(_directory, "data", "t", "old", "c.eml");
        bytes[10] ^= 0xFF;
        await File.WriteAllBytesAsync(file, bytes);

        await using var download = await _store.OpenReadAsync("t/old/c.eml");
        var e = await Assert.ThrowsAsync<BlobIntegrityException>(() => ReadAllAsync(download!.Content));
        Assert.Equal("t/old/c.eml", e.Name);
    }

    [SkippableFact]
    public async Task Put_OverOldLayoutBlob_ServesNewContentAndDeleteRemovesBoth()
    {
        await WriteOldLayoutAsync("t/old/x.eml", Bytes(100, seed: 7), DateTimeOffset.UnixEpoch, "text/plain");
        var fresh = Bytes(200, seed: 8);

        await _store.PutAsync("t/old/x.eml", new MemoryStream(fresh), "message/rfc822");

        var properties = await _store.GetPropertiesAsync("t/old/x.eml");
        Assert.Equal(200, properties!.Length);
        Assert.Equal("message/rfc822", properties.ContentType);
        await using (var download = await _store.OpenReadAsync("t/old/x.eml"))
        {
            Assert.Equal(fresh, await ReadAllAsync(download!.Content));
        }

        Assert.True(await _store.DeleteAsync("t/old/x.eml"));
        Assert.Empty(BlobFiles());
    }

    [SkippableFact]
    public async Task TornTemporaryFile_IsIgnoredByReadsAndLists()
    {
        var bytes = Bytes(1000, seed: 9);
        await _store.PutAsync("t/a.eml", new MemoryStream(bytes));
        // What a crash mid-put leaves: part of a header and content under tmp/, never renamed.
        var stored = await File.ReadAllBytesAsync(Path.Combine(_directory, "data", "t", "a.eml"));
        await File.WriteAllBytesAsync(Path.Combine(_directory, "tmp", Guid.NewGuid().ToString("N")), stored[..40]);

        var reopened = new LocalDirectoryBlobStore(_directory, options: OneFilePerBlob);

        Assert.Equal(["t/a.eml"], await ListNamesAsync(reopened, "t/"));
        await using var download = await reopened.OpenReadAsync("t/a.eml");
        Assert.Equal(bytes, await ReadAllAsync(download!.Content));
        await reopened.PutAsync("t/b.eml", new MemoryStream(bytes));
        Assert.Equal(["t/a.eml", "t/b.eml"], await ListNamesAsync(reopened, "t/"));
    }

    [SkippableTheory]
    [InlineData(30, "checksum")]
    [InlineData(7, "version")]
    [InlineData(9, "header length")]
    public async Task Header_Corrupted_ThrowsBlobStoreExceptionNamingTheBlob(int index, string problem)
    {
        await _store.PutAsync("t/h.eml", new MemoryStream(Bytes(500, seed: 10)), "message/rfc822");
        var file = Path.Combine(_directory, "data", "t", "h.eml");
        var onDisk = await File.ReadAllBytesAsync(file);
        onDisk[index] ^= 0x5A;
        await File.WriteAllBytesAsync(file, onDisk);

        var e = await Assert.ThrowsAsync<BlobStoreException>(() => _store.GetPropertiesAsync("t/h.eml"));
        Assert.Contains("'t/h.eml'", e.Message, StringComparison.Ordinal);
        Assert.Contains("damaged header", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.False(e.IsTransient);
        var read = await Assert.ThrowsAsync<BlobStoreException>(() => _store.OpenReadAsync("t/h.eml", new BlobRange(0, 10)));
        Assert.Contains("'t/h.eml'", read.Message, StringComparison.Ordinal);
        Assert.True(await _store.DeleteAsync("t/h.eml"));
    }

    [SkippableFact]
    public async Task Header_Truncated_ThrowsBlobStoreExceptionNamingTheBlob()
    {
        await _store.PutAsync("t/short.eml", new MemoryStream(Bytes(500, seed: 11)));
        var file = Path.Combine(_directory, "data", "t", "short.eml");
        var onDisk = await File.ReadAllBytesAsync(file);
        await File.WriteAllBytesAsync(file, onDisk[..20]);

        var e = await Assert.ThrowsAsync<BlobStoreException>(() => _store.OpenReadAsync("t/short.eml"));
        Assert.Contains("Blob 't/short.eml'", e.Message, StringComparison.Ordinal);
        Assert.Contains("20 bytes", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Put_DirectoryRemovedBehindTheStore_RecreatesIt()
    {
        await _store.PutAsync("t/box/1", new MemoryStream(Bytes(10, seed: 12)));
        Directory.Delete(Path.Combine(_directory, "data", "t", "box"), recursive: true);

        await _store.PutAsync("t/box/2", new MemoryStream(Bytes(10, seed: 13)));

        Assert.Equal(["t/box/2"], await ListNamesAsync(_store, "t/"));
    }

    [SkippableFact]
    public async Task Put_ContentTypeTooLong_ThrowsArgumentExceptionNamingTheBlob()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => _store.PutAsync("t/ct", new MemoryStream([1]), new string('x', 5000)));
        Assert.Contains("'t/ct'", e.Message, StringComparison.Ordinal);
        Assert.Null(await _store.GetPropertiesAsync("t/ct"));
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Every file of the store but the (empty) pack catalog.</summary>
    private IEnumerable<string> BlobFiles() =>
        Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(Path.Combine(_directory, "packs"), StringComparison.Ordinal));

    private async Task WriteOldLayoutAsync(string name, byte[] content, DateTimeOffset lastModified, string? contentType)
    {
        var data = Path.Combine(_directory, "data", name);
        var meta = Path.Combine(_directory, "meta", name + ".meta.json");
        Directory.CreateDirectory(Path.GetDirectoryName(data)!);
        Directory.CreateDirectory(Path.GetDirectoryName(meta)!);
        await File.WriteAllBytesAsync(data, content);
        // As the old layout wrote it: UTF-8 JSON without a byte order mark.
        var json = JsonSerializer.SerializeToUtf8Bytes(new { Md5 = Convert.ToHexStringLower(MD5.HashData(content)), ETag = "\"old-etag\"", LastModified = lastModified, ContentType = contentType });
        await File.WriteAllBytesAsync(meta, json);
    }

    private static async Task<List<string>> ListNamesAsync(IBlobStore store, string prefix)
    {
        var names = new List<string>();
        await foreach (var properties in store.ListAsync(prefix))
        {
            names.Add(properties.Name);
        }

        return names;
    }

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}

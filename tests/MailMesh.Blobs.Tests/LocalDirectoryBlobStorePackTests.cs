using System.Security.Cryptography;
using MailMesh.Blobs.Local;
using MailMesh.Testing;

namespace MailMesh.Blobs.Tests;

/// <summary>Small blobs packed into pack files with a catalog (docs/adr/blobs-02-local-packs.md).</summary>
public sealed class LocalDirectoryBlobStorePackTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mailmesh-blobs-packs-" + Guid.NewGuid().ToString("N"));
    private readonly List<LocalDirectoryBlobStore> _stores = [];

    [SkippableFact]
    public async Task Put_ManySmallBlobsConcurrently_OnePackNoDataFilesAllReadable()
    {
        var store = Open();
        var contents = Enumerable.Range(1, 200).Select(i => Bytes(100 + (i * 37), seed: i)).ToList();

        await Task.WhenAll(contents.Select((c, i) => Task.Run(() => store.PutAsync($"m/f1/{i + 1}.eml", new MemoryStream(c), "message/rfc822"))));

        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_directory, "data"), "*", SearchOption.AllDirectories));
        var pack = Assert.Single(Directory.EnumerateFiles(Path.Combine(_directory, "packs"), "*.pack"));
        Assert.Equal(contents.Sum(c => (long)c.Length), new FileInfo(pack).Length);
        for (var i = 0; i < contents.Count; i++)
        {
            await using var download = await store.OpenReadAsync($"m/f1/{i + 1}.eml");
            Assert.Equal(contents[i], await ReadAllAsync(download!.Content));
            Assert.Equal(MD5.HashData(contents[i]), download.Properties.ContentMd5);
            Assert.Equal("message/rfc822", download.Properties.ContentType);
        }
    }

    [SkippableFact]
    public async Task Put_BlobAboveThePackLimit_GetsAFileOfItsOwn()
    {
        var store = Open(new LocalBlobStoreOptions { PackBlobsUpTo = 1000 });
        await store.PutAsync("m/small", new MemoryStream(Bytes(1000, seed: 1)));
        await store.PutAsync("m/large", new MemoryStream(Bytes(1001, seed: 2)));

        Assert.Equal(Path.Combine(_directory, "data", "m", "large"), Assert.Single(Directory.EnumerateFiles(Path.Combine(_directory, "data"), "*", SearchOption.AllDirectories)));
        Assert.Equal(1000, new FileInfo(Assert.Single(Directory.EnumerateFiles(Path.Combine(_directory, "packs"), "*.pack"))).Length);
    }

    [SkippableFact]
    public async Task Reopen_AfterDispose_ServesPackedBlobsAndWritesANewPack()
    {
        var first = Open();
        var bytes = Bytes(3000, seed: 3);
        var stored = await first.PutAsync("m/a", new MemoryStream(bytes), "text/plain");
        first.Dispose();

        var second = Open();
        var properties = await second.GetPropertiesAsync("m/a");
        Assert.Equal((stored.ETag, stored.LastModified, stored.Length, stored.ContentType), (properties!.ETag, properties.LastModified, properties.Length, properties.ContentType));
        Assert.Equal(stored.ContentMd5, properties.ContentMd5);
        await second.PutAsync("m/b", new MemoryStream(Bytes(10, seed: 4)));
        Assert.Equal(2, Directory.EnumerateFiles(Path.Combine(_directory, "packs"), "*.pack").Count());
        await using var download = await second.OpenReadAsync("m/a");
        Assert.Equal(bytes, await ReadAllAsync(download!.Content));
    }

    [SkippableFact]
    public async Task Put_SameNameSmallLargeSmall_LatestWinsAndDeleteLeavesNothing()
    {
        var store = Open(new LocalBlobStoreOptions { PackBlobsUpTo = 1000 });
        var small1 = Bytes(10, seed: 5);
        var large = Bytes(5000, seed: 6);
        var small2 = Bytes(20, seed: 7);

        await store.PutAsync("m/x", new MemoryStream(small1));
        await store.PutAsync("m/x", new MemoryStream(large));
        Assert.Equal(large, await ReadAsync(store, "m/x"));
        await store.PutAsync("m/x", new MemoryStream(small2));
        Assert.Equal(small2, await ReadAsync(store, "m/x"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_directory, "data"), "*", SearchOption.AllDirectories));

        Assert.True(await store.DeleteAsync("m/x"));
        Assert.Null(await store.OpenReadAsync("m/x"));
        Assert.False(await store.DeleteAsync("m/x"));
    }

    [SkippableFact]
    public async Task PutMany_ValidationFails_StoresNothing()
    {
        var store = Open();

        await Assert.ThrowsAsync<ArgumentException>(() => store.PutManyAsync([new("m/ok", Bytes(10, seed: 40)), new("m//bad", Bytes(10, seed: 41))]));

        Assert.Null(await store.GetPropertiesAsync("m/ok"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_directory, "packs"), "*.pack"));
    }

    [SkippableFact]
    public async Task PutMany_MoreThanOnePackFile_EveryBlobReadableFromItsPack()
    {
        var store = Open(new LocalBlobStoreOptions { PackBlobsUpTo = 64 * 1024, PackFileBytes = 1024 * 1024 });
        var contents = Enumerable.Range(0, 40).Select(i => Bytes(60_000 + i, seed: 100 + i)).ToList();

        await store.PutManyAsync(contents.Select((c, i) => new BlobContent($"m/{i}", c)).ToList());

        var packs = Directory.EnumerateFiles(Path.Combine(_directory, "packs"), "*.pack").ToList();
        Assert.Equal(3, packs.Count); // 40 x ~60 KB in packs of at most 1 MB: 17 + 17 + 6
        Assert.Equal(contents.Sum(c => (long)c.Length), packs.Sum(p => new FileInfo(p).Length));
        for (var i = 0; i < contents.Count; i++)
        {
            Assert.Equal(contents[i], await ReadAsync(store, $"m/{i}"));
        }
    }

    [SkippableFact]
    public async Task PutMany_NameStoredInAFileOfItsOwn_ReplacesItAndDeleteLeavesNothing()
    {
        var store = Open(new LocalBlobStoreOptions { PackBlobsUpTo = 1000 });
        await store.PutAsync("m/x", new MemoryStream(Bytes(5000, seed: 42)));
        var small = Bytes(20, seed: 43);

        await store.PutManyAsync([new("m/x", small), new("m/y", Bytes(30, seed: 44))]);

        Assert.Equal(small, await ReadAsync(store, "m/x"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_directory, "data"), "*", SearchOption.AllDirectories));
        Assert.True(await store.DeleteAsync("m/x"));
        Assert.Null(await store.OpenReadAsync("m/x"));
    }

    [SkippableFact]
    public async Task PutMany_AfterReopen_CatalogRowsWereCommitted()
    {
        var first = Open();
        var contents = Enumerable.Range(0, 100).Select(i => Bytes(2_000 + i, seed: 200 + i)).ToList();
        await first.PutManyAsync(contents.Select((c, i) => new BlobContent($"m/{i}", c)).ToList(), "message/rfc822");
        await first.FlushAsync();
        first.Dispose();

        var second = Open();
        for (var i = 0; i < contents.Count; i++)
        {
            var properties = await second.GetPropertiesAsync($"m/{i}");
            Assert.Equal((contents[i].Length, "message/rfc822"), (properties!.Length, properties.ContentType));
            Assert.Equal(contents[i], await ReadAsync(second, $"m/{i}"));
        }
    }

    [SkippableFact]
    public async Task List_PackedAndFileBlobs_MergedInOrdinalOrder()
    {
        var store = Open(new LocalBlobStoreOptions { PackBlobsUpTo = 100 });
        await store.PutAsync("p/b", new MemoryStream(Bytes(500, seed: 8)));
        await store.PutAsync("p/a", new MemoryStream(Bytes(50, seed: 9)));
        await store.PutAsync("p/c", new MemoryStream(Bytes(50, seed: 10)));
        await store.PutAsync("q/a", new MemoryStream(Bytes(50, seed: 11)));

        var listed = new List<(string, long)>();
        await foreach (var p in store.ListAsync("p/"))
        {
            listed.Add((p.Name, p.Length));
        }

        Assert.Equal([("p/a", 50L), ("p/b", 500L), ("p/c", 50L)], listed);
    }

    [SkippableFact]
    public async Task Compact_PackWithNoBlobsLeft_IsRemoved()
    {
        var first = Open();
        await first.PutAsync("m/1", new MemoryStream(Bytes(100, seed: 12)));
        await first.PutAsync("m/2", new MemoryStream(Bytes(100, seed: 13)));
        first.Dispose();
        var store = Open();
        await store.DeleteAsync("m/1");
        await store.DeleteAsync("m/2");

        var result = await store.CompactAsync(TimeSpan.Zero);

        Assert.Equal(new PackCompaction(1, 0, 200), result);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_directory, "packs"), "*.pack"));
    }

    [SkippableFact]
    public async Task Compact_PackMostlyDeleted_CopiesLiveBlobsAndRemovesIt()
    {
        var first = Open();
        var keep = Bytes(100, seed: 14);
        await first.PutAsync("m/keep", new MemoryStream(keep), "message/rfc822");
        for (var i = 0; i < 5; i++)
        {
            await first.PutAsync($"m/drop{i}", new MemoryStream(Bytes(100, seed: 20 + i)));
        }

        var before = await first.GetPropertiesAsync("m/keep");
        first.Dispose();
        var store = Open();
        for (var i = 0; i < 5; i++)
        {
            await store.DeleteAsync($"m/drop{i}");
        }

        var oldPack = Assert.Single(Directory.EnumerateFiles(Path.Combine(_directory, "packs"), "*.pack"));
        var result = await store.CompactAsync(TimeSpan.Zero);

        Assert.Equal(new PackCompaction(1, 1, 500), result);
        Assert.False(File.Exists(oldPack));
        Assert.Equal(keep, await ReadAsync(store, "m/keep"));
        var after = await store.GetPropertiesAsync("m/keep");
        Assert.Equal((before!.ETag, before.LastModified, before.Length, before.ContentType), (after!.ETag, after.LastModified, after.Length, after.ContentType));
        Assert.Equal(before.ContentMd5, after.ContentMd5);
    }

    [SkippableFact]
    public async Task CompactIfDue_CalledTwiceWithinInterval_SecondIsSkipped()
    {
        var first = Open();
        await first.PutAsync("m/1", new MemoryStream(Bytes(100, seed: 40)));
        first.Dispose();
        var store = Open();
        await store.DeleteAsync("m/1");

        Assert.Equal(new PackCompaction(1, 0, 100), await store.CompactIfDueAsync(TimeSpan.FromHours(1), TimeSpan.Zero));
        Assert.Null(await store.CompactIfDueAsync(TimeSpan.FromHours(1), TimeSpan.Zero));
    }

    [SkippableFact]
    public async Task Compact_PackStillWrittenOrTooYoung_IsLeftAlone()
    {
        var store = Open();
        await store.PutAsync("m/1", new MemoryStream(Bytes(100, seed: 30)));
        await store.DeleteAsync("m/1");

        Assert.Equal(new PackCompaction(0, 0, 0), await store.CompactAsync(TimeSpan.Zero));
        store.Dispose();
        Assert.Equal(new PackCompaction(0, 0, 0), await Open().CompactAsync(TimeSpan.FromHours(1)));
        Assert.Single(Directory.EnumerateFiles(Path.Combine(_directory, "packs"), "*.pack"));
    }

    [SkippableFact]
    public async Task OpenRead_PackTruncated_ThrowsDamagedNamingTheBlob()
    {
        var first = Open();
        await first.PutAsync("m/t", new MemoryStream(Bytes(1000, seed: 31)));
        first.Dispose();
        var pack = Assert.Single(Directory.EnumerateFiles(Path.Combine(_directory, "packs"), "*.pack"));
        await using (var file = new FileStream(pack, FileMode.Open))
        {
            file.SetLength(400);
        }

        var e = await Assert.ThrowsAsync<BlobStoreException>(() => Open().OpenReadAsync("m/t"));
        Assert.Equal("DamagedHeader", e.ErrorCode);
        Assert.Contains("'m/t'", e.Message, StringComparison.Ordinal);
        Assert.Contains("400 bytes", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Constructor_InvalidOptions_ThrowsNamingTheSetting()
    {
        var e = Assert.Throws<ArgumentException>(() => new LocalDirectoryBlobStore(_directory, options: new LocalBlobStoreOptions { PackBlobsUpTo = -1 }));
        Assert.Contains("PackBlobsUpTo is -1", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => new LocalDirectoryBlobStore(_directory, options: new LocalBlobStoreOptions { PackFileBytes = 10 }));
        Assert.Contains("PackFileBytes is 10", e.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private LocalDirectoryBlobStore Open(LocalBlobStoreOptions? options = null)
    {
        var store = new LocalDirectoryBlobStore(_directory, options: options);
        _stores.Add(store);
        return store;
    }

    private static async Task<byte[]> ReadAsync(IBlobStore store, string name)
    {
        await using var download = await store.OpenReadAsync(name);
        return await ReadAllAsync(download!.Content);
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

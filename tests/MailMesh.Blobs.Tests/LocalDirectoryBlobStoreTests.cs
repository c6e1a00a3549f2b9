using MailMesh.Blobs.Local;
using MailMesh.Blobs.Tests.Contracts;
using MailMesh.Testing;

namespace MailMesh.Blobs.Tests;

/// <summary>The contract on the local store as configured by default (small blobs packed).</summary>
public sealed class LocalDirectoryBlobStoreTests() : LocalDirectoryBlobStoreTestsBase(new LocalBlobStoreOptions());

/// <summary>The contract on the local store with packing off (one file per blob).</summary>
public sealed class LocalDirectoryOneFileBlobStoreTests() : LocalDirectoryBlobStoreTestsBase(new LocalBlobStoreOptions { PackBlobsUpTo = 0 });

public abstract class LocalDirectoryBlobStoreTestsBase : BlobStoreContractTests, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mailmesh-blobs-" + Guid.NewGuid().ToString("N"));
    private readonly LocalDirectoryBlobStore _store;

    protected LocalDirectoryBlobStoreTestsBase(LocalBlobStoreOptions options)
    {
        _store = new LocalDirectoryBlobStore(_directory, options: options);
    }

    protected override IBlobStore Store => _store;

    [SkippableFact]
    public async Task OpenRead_ContentCorruptedOnDisk_ThrowsIntegrityErrorNamingTheBlob()
    {
        var content = RandomBytes(2000, seed: 9);
        await Store.PutAsync(Name("c.eml"), new MemoryStream(content));
        await CorruptOnDiskAsync(content, 100);

        await using var download = await Store.OpenReadAsync(Name("c.eml"));
        var e = await Assert.ThrowsAsync<BlobIntegrityException>(() => ReadAllAsync(download!.Content));
        Assert.Contains(Name("c.eml"), e.Message, StringComparison.Ordinal);
        // A ranged read does not verify and still serves the bytes.
        await using var range = await Store.OpenReadAsync(Name("c.eml"), new BlobRange(0, 10));
        Assert.Equal(10, (await ReadAllAsync(range!.Content)).Length);
    }

    [SkippableFact]
    public async Task Flush_AfterPuts_BlobsStillReadable()
    {
        var small = RandomBytes(500, seed: 10);
        var large = RandomBytes(200_000, seed: 11);
        await Store.PutAsync(Name("flush/small"), new MemoryStream(small));
        await Store.PutAsync(Name("flush/deep/large"), new MemoryStream(large));

        await Store.FlushAsync();
        await Store.FlushAsync();

        await using var a = await Store.OpenReadAsync(Name("flush/small"));
        Assert.Equal(small, await ReadAllAsync(a!.Content));
        await using var b = await Store.OpenReadAsync(Name("flush/deep/large"));
        Assert.Equal(large, await ReadAllAsync(b!.Content));
    }

    /// <summary>Flips one byte of <paramref name="content"/> in whichever file of the store holds it.</summary>
    private async Task CorruptOnDiskAsync(byte[] content, int index)
    {
        foreach (var file in Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            var at = bytes.AsSpan().IndexOf(content);
            if (at >= 0)
            {
                bytes[at + index] ^= 0xFF;
                await File.WriteAllBytesAsync(file, bytes);
                return;
            }
        }

        Assert.Fail("No file of the store holds the blob's content.");
    }

    [SkippableFact]
    public async Task Put_FailingSource_LeavesPreviousBlobIntact()
    {
        await Store.PutAsync(Name("keep"), new MemoryStream("original"u8.ToArray()));

        var e = await Assert.ThrowsAsync<BlobStoreException>(() => Store.PutAsync(Name("keep"), new FailingStream()));
        Assert.Contains("source failed mid-way", e.Message, StringComparison.Ordinal);

        await using var download = await Store.OpenReadAsync(Name("keep"));
        Assert.Equal("original"u8.ToArray(), await ReadAllAsync(download!.Content));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_directory, "tmp")));
    }

    [SkippableFact]
    public void Constructor_UnwritableRoot_ThrowsBlobStoreExceptionNamingIt()
    {
        var file = Path.Combine(_directory, "a-file");
        File.WriteAllText(file, "x");

        var e = Assert.Throws<BlobStoreException>(() => new LocalDirectoryBlobStore(Path.Combine(file, "sub")));
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    private sealed class FailingStream : MemoryStream
    {
        private int _reads;

        public FailingStream()
            : base(new byte[100_000])
        {
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ++_reads > 1 ? throw new IOException("source failed mid-way") : base.ReadAsync(buffer[..Math.Min(buffer.Length, 1000)], cancellationToken);
    }
}

using MailMesh.Blobs.Local;
using MailMesh.Blobs.Tests.Contracts;
using MailMesh.Testing;

namespace MailMesh.Blobs.Tests;

public sealed class LocalDirectoryBlobStoreTests : BlobStoreContractTests, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mailmesh-blobs-" + Guid.NewGuid().ToString("N"));
    private readonly LocalDirectoryBlobStore _store;

    public LocalDirectoryBlobStoreTests()
    {
        _store = new LocalDirectoryBlobStore(_directory);
    }

    protected override IBlobStore Store => _store;

    [SkippableFact]
    public async Task OpenRead_ContentCorruptedOnDisk_ThrowsIntegrityErrorNamingTheBlob()
    {
        await Store.PutAsync(Name("c.eml"), new MemoryStream(RandomBytes(2000, seed: 9)));
        var file = Directory.EnumerateFiles(Path.Combine(_directory, "data"), "c.eml", SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[100] ^= 0xFF;
        await File.WriteAllBytesAsync(file, bytes);

        await using var download = await Store.OpenReadAsync(Name("c.eml"));
        var e = await Assert.ThrowsAsync<BlobIntegrityException>(() => ReadAllAsync(download!.Content));
        Assert.Contains(Name("c.eml"), e.Message, StringComparison.Ordinal);
        // A ranged read does not verify and still serves the bytes.
        await using var range = await Store.OpenReadAsync(Name("c.eml"), new BlobRange(0, 10));
        Assert.Equal(10, (await ReadAllAsync(range!.Content)).Length);
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
        Directory.Delete(_directory, recursive: true);
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

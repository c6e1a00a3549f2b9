using System.Security.Cryptography;
using System.Text;
using MailMesh.Blobs;
using MailMesh.Testing;

namespace MailMesh.Blobs.Tests.Contracts;

/// <summary>Behaviour every <see cref="IBlobStore"/> must have; one subclass per backend.</summary>
public abstract class BlobStoreContractTests
{
    private readonly string _root = $"t{Guid.NewGuid():N}";

    /// <summary>A store for this test (each test uses names under its own prefix). A backend whose server is not
    /// running skips the test here (or fails it when the test servers are required).</summary>
    protected abstract IBlobStore Store { get; }

    protected string Name(string relative) => $"{_root}/{relative}";

    [SkippableFact]
    public async Task Put_ThenOpenRead_ReturnsSameBytesAndMd5()
    {
        var bytes = RandomBytes(10_000, seed: 1);
        var stored = await Store.PutAsync(Name("inbox/1.eml"), new MemoryStream(bytes), "message/rfc822");

        Assert.Equal(bytes.Length, stored.Length);
        Assert.Equal(MD5.HashData(bytes), stored.ContentMd5);
        await using var download = await Store.OpenReadAsync(Name("inbox/1.eml"));
        Assert.NotNull(download);
        Assert.Equal(bytes, await ReadAllAsync(download.Content));
        Assert.Equal(MD5.HashData(bytes), download.Properties.ContentMd5);
        Assert.Equal("message/rfc822", download.Properties.ContentType);
    }

    [SkippableFact]
    public async Task Put_LargerThanOneBlock_RoundTripsWithWholeMd5()
    {
        var bytes = RandomBytes((3 * 64 * 1024) + 123, seed: 2);
        await Store.PutAsync(Name("big.bin"), new MemoryStream(bytes));

        var properties = await Store.GetPropertiesAsync(Name("big.bin"));
        Assert.NotNull(properties);
        Assert.Equal(bytes.Length, properties.Length);
        Assert.Equal(MD5.HashData(bytes), properties.ContentMd5);
        await using var download = await Store.OpenReadAsync(Name("big.bin"));
        Assert.Equal(bytes, await ReadAllAsync(download!.Content));
    }

    [SkippableFact]
    public async Task PutMemory_SmallContent_RoundTripsWithMd5AndContentType()
    {
        var bytes = RandomBytes(2_300, seed: 11);
        // A slice of a larger array, as a caller with a pooled buffer passes it.
        var pooled = new byte[bytes.Length + 100];
        bytes.CopyTo(pooled, 40);
        var stored = await Store.PutAsync(Name("mem/1.eml"), pooled.AsMemory(40, bytes.Length), "message/rfc822");

        Assert.Equal(bytes.Length, stored.Length);
        Assert.Equal(MD5.HashData(bytes), stored.ContentMd5);
        await using var download = await Store.OpenReadAsync(Name("mem/1.eml"));
        Assert.NotNull(download);
        Assert.Equal(bytes, await ReadAllAsync(download.Content));
        Assert.Equal("message/rfc822", download.Properties.ContentType);
    }

    [SkippableFact]
    public async Task PutMemory_LargerThanPackLimit_RoundTripsWithWholeMd5()
    {
        var bytes = RandomBytes((2 * 64 * 1024) + 7, seed: 12);
        await Store.PutAsync(Name("mem/big.bin"), bytes.AsMemory());

        var properties = await Store.GetPropertiesAsync(Name("mem/big.bin"));
        Assert.NotNull(properties);
        Assert.Equal(bytes.Length, properties.Length);
        Assert.Equal(MD5.HashData(bytes), properties.ContentMd5);
        await using var download = await Store.OpenReadAsync(Name("mem/big.bin"));
        Assert.Equal(bytes, await ReadAllAsync(download!.Content));
    }

    [SkippableFact]
    public async Task PutMemory_ExistingStreamPut_ReplacesIt()
    {
        await Store.PutAsync(Name("mem/r.eml"), new MemoryStream(RandomBytes(500, seed: 13)));
        var replacement = RandomBytes(700, seed: 14);

        await Store.PutAsync(Name("mem/r.eml"), replacement.AsMemory());

        await using var download = await Store.OpenReadAsync(Name("mem/r.eml"));
        Assert.Equal(replacement, await ReadAllAsync(download!.Content));
    }

    [SkippableFact]
    public async Task PutMany_MixedSizes_SameBlobsAsOnePutEach()
    {
        // Slices of one pooled array (as the mailbox sync passes them), an empty blob, and one above the pack limit.
        var pooled = RandomBytes(40_000, seed: 21);
        var large = RandomBytes((2 * 64 * 1024) + 5, seed: 22);
        var contents = new List<ReadOnlyMemory<byte>> { pooled.AsMemory(0, 2_300), pooled.AsMemory(2_300, 0), large, pooled.AsMemory(2_300, 17_000), pooled.AsMemory(19_300, 1) };
        await Store.PutAsync(Name("many/3.eml"), new MemoryStream(RandomBytes(900, seed: 23)));

        var many = await Store.PutManyAsync(contents.Select((c, i) => new BlobContent(Name($"many/{i}.eml"), c)).ToList(), "message/rfc822");
        var single = new List<BlobProperties>();
        for (var i = 0; i < contents.Count; i++)
        {
            single.Add(await Store.PutAsync(Name($"single/{i}.eml"), contents[i], "message/rfc822"));
        }

        Assert.Equal(contents.Count, many.Count);
        for (var i = 0; i < contents.Count; i++)
        {
            Assert.Equal(Name($"many/{i}.eml"), many[i].Name);
            Assert.Equal((single[i].Length, single[i].ContentType), (many[i].Length, many[i].ContentType));
            Assert.Equal(single[i].ContentMd5, many[i].ContentMd5);
            Assert.Equal(MD5.HashData(contents[i].Span), many[i].ContentMd5);
            await using var download = await Store.OpenReadAsync(Name($"many/{i}.eml"));
            Assert.NotNull(download);
            Assert.Equal(contents[i].ToArray(), await ReadAllAsync(download.Content));
            Assert.Equal(many[i].ContentMd5, download.Properties.ContentMd5);
            Assert.Equal("message/rfc822", download.Properties.ContentType);
        }
    }

    [SkippableFact]
    public async Task PutMany_InvalidName_ThrowsArgumentExceptionSayingWhy()
    {
        var store = Store;
        var blobs = new List<BlobContent> { new(Name("ok.eml"), new byte[10]), new("a//b", new byte[10]) };

        var e = await Assert.ThrowsAsync<ArgumentException>(() => store.PutManyAsync(blobs));

        Assert.Contains("Invalid blob name", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Put_EmptyContent_StoresEmptyBlob()
    {
        await Store.PutAsync(Name("empty"), new MemoryStream());

        await using var download = await Store.OpenReadAsync(Name("empty"));
        Assert.NotNull(download);
        Assert.Empty(await ReadAllAsync(download.Content));
        Assert.Equal(MD5.HashData([]), download.Properties.ContentMd5);
    }

    [SkippableFact]
    public async Task Put_ExistingName_ReplacesContentAndETag()
    {
        var first = await Store.PutAsync(Name("x"), new MemoryStream("one"u8.ToArray()));
        var second = await Store.PutAsync(Name("x"), new MemoryStream("two!"u8.ToArray()));

        Assert.NotEqual(first.ETag, second.ETag);
        await using var download = await Store.OpenReadAsync(Name("x"));
        Assert.Equal("two!", Encoding.ASCII.GetString(await ReadAllAsync(download!.Content)));
    }

    [SkippableFact]
    public async Task OpenRead_Range_ReturnsThoseBytes()
    {
        var bytes = RandomBytes(5000, seed: 3);
        await Store.PutAsync(Name("r"), new MemoryStream(bytes));

        await using (var middle = await Store.OpenReadAsync(Name("r"), new BlobRange(1000, 500)))
        {
            Assert.Equal(bytes[1000..1500], await ReadAllAsync(middle!.Content));
            Assert.Equal(1000, middle.Offset);
            Assert.Equal(500, middle.Length);
            Assert.Equal(5000, middle.Properties.Length);
        }

        await using var tail = await Store.OpenReadAsync(Name("r"), new BlobRange(4900));
        Assert.Equal(bytes[4900..], await ReadAllAsync(tail!.Content));
    }

    [SkippableFact]
    public async Task OpenRead_RangeBeyondEnd_ThrowsWithOffset()
    {
        await Store.PutAsync(Name("short"), new MemoryStream(new byte[10]));

        var e = await Assert.ThrowsAsync<BlobStoreException>(() => Store.OpenReadAsync(Name("short"), new BlobRange(100, 5)));
        Assert.Equal(416, e.StatusCode);
        Assert.False(e.IsTransient);
    }

    [SkippableFact]
    public async Task Missing_Blob_IsNullOrFalse()
    {
        Assert.Null(await Store.OpenReadAsync(Name("nope")));
        Assert.Null(await Store.GetPropertiesAsync(Name("nope")));
        Assert.False(await Store.DeleteAsync(Name("nope")));
    }

    [SkippableFact]
    public async Task Delete_Existing_RemovesIt()
    {
        await Store.PutAsync(Name("d"), new MemoryStream(new byte[3]));

        Assert.True(await Store.DeleteAsync(Name("d")));
        Assert.Null(await Store.GetPropertiesAsync(Name("d")));
    }

    [SkippableFact]
    public async Task List_Prefix_ReturnsMatchingNamesInOrdinalOrder()
    {
        foreach (var n in new[] { "a/2", "a/10", "a/1", "a/b/c", "ab/x", "b/1" })
        {
            await Store.PutAsync(Name(n), new MemoryStream(Encoding.ASCII.GetBytes(n)));
        }

        var underA = await ToListAsync(Store.ListAsync(Name("a/")));
        Assert.Equal(new[] { "a/1", "a/10", "a/2", "a/b/c" }.Select(Name), underA.Select(p => p.Name));
        Assert.All(underA, p => Assert.Equal(MD5.HashData(Encoding.ASCII.GetBytes(p.Name[(_root.Length + 1)..])), p.ContentMd5));

        var startingWithA = await ToListAsync(Store.ListAsync(Name("a")));
        Assert.Equal(5, startingWithA.Count);
    }

    [SkippableTheory]
    [InlineData("")]
    [InlineData("/leading")]
    [InlineData("a//b")]
    [InlineData("a/../b")]
    [InlineData("back\\slash")]
    [InlineData("ctl\u0001")]
    public async Task Put_InvalidName_ThrowsArgumentExceptionSayingWhy(string name)
    {
        var store = Store;
        var e = await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(name, new MemoryStream()));
        Assert.Contains("Invalid blob name", e.Message, StringComparison.Ordinal);
    }

    protected static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    protected static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static async Task<List<BlobProperties>> ToListAsync(IAsyncEnumerable<BlobProperties> items)
    {
        var list = new List<BlobProperties>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }
}

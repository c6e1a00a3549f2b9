namespace MailMesh.Blobs;

/// <summary>Stores raw messages and other large payloads by name. Names are '/'-separated paths
/// (<c>tenant/mailbox/…</c>); see <see cref="BlobName"/>. Every stored blob carries the MD5 of its content,
/// checked when a whole blob is read back.</summary>
public interface IBlobStore
{
    /// <summary>Stores <paramref name="content"/> (read to its end) under <paramref name="name"/>, replacing
    /// any blob of that name.</summary>
    /// <returns>The stored blob's properties, with the MD5 computed while writing.</returns>
    Task<BlobProperties> PutAsync(string name, Stream content, string? contentType = null, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="content"/>, already in memory, under <paramref name="name"/>, replacing any blob
    /// of that name. The caller keeps <paramref name="content"/> unchanged until the returned task completes. A store
    /// that can write from memory directly (the local store's packs) skips the stream and the copy it implies.</summary>
    /// <returns>The stored blob's properties.</returns>
    Task<BlobProperties> PutAsync(string name, ReadOnlyMemory<byte> content, string? contentType = null, CancellationToken cancellationToken = default) =>
        PutAsync(name, System.Runtime.InteropServices.MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false), contentType, cancellationToken);

    /// <summary>Stores several blobs already in memory, each as <see cref="PutAsync(string, ReadOnlyMemory{byte}, string?, CancellationToken)"/>
    /// would (replacing any blob of its name); the caller keeps every content unchanged until the returned task
    /// completes. A store that can write them together does (the local store's packs: one write and one catalog
    /// transaction for the lot); the others run the puts concurrently. Of two blobs with one name, either may be kept.</summary>
    /// <returns>The stored blobs' properties, in the order given.</returns>
    async Task<IReadOnlyList<BlobProperties>> PutManyAsync(IReadOnlyList<BlobContent> blobs, string? contentType = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        var puts = new Task<BlobProperties>[blobs.Count];
        for (var i = 0; i < blobs.Count; i++)
        {
            puts[i] = PutAsync(blobs[i].Name, blobs[i].Content, contentType, cancellationToken);
        }

        return await Task.WhenAll(puts).ConfigureAwait(false);
    }

    /// <summary>Opens a blob, or a range of it, for reading; null when no such blob exists. Reading a whole
    /// blob to its end verifies its MD5 and throws <see cref="BlobIntegrityException"/> on a mismatch.</summary>
    Task<BlobDownload?> OpenReadAsync(string name, BlobRange? range = null, CancellationToken cancellationToken = default);

    /// <summary>A blob's properties, or null when it does not exist.</summary>
    Task<BlobProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Deletes a blob; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The blobs whose names start with <paramref name="prefix"/>, in ordinal name order.</summary>
    IAsyncEnumerable<BlobProperties> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Makes every blob whose put completed before this call durable: it survives a crash or power loss of the
    /// machine. A store whose puts are durable when they complete (Azure Blob Storage acknowledges a write once it is
    /// committed) does nothing.</summary>
    Task FlushAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
}

/// <summary>One blob of <see cref="IBlobStore.PutManyAsync"/>: its name and its content.</summary>
/// <param name="Name">The blob's name.</param>
/// <param name="Content">Its bytes.</param>
public readonly record struct BlobContent(string Name, ReadOnlyMemory<byte> Content);

/// <summary>What is known of a stored blob.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Length">Its size in bytes.</param>
/// <param name="ContentMd5">MD5 of the whole content (16 bytes); empty when the store does not know it.</param>
/// <param name="ETag">Changes on every write.</param>
/// <param name="LastModified">When it was last written.</param>
/// <param name="ContentType">The content type given when it was stored.</param>
public sealed record BlobProperties(string Name, long Length, byte[] ContentMd5, string ETag, DateTimeOffset LastModified, string? ContentType);

/// <summary>A byte range of a blob.</summary>
/// <param name="Offset">First byte (0-based).</param>
/// <param name="Length">Number of bytes; null reads to the end.</param>
public readonly record struct BlobRange(long Offset, long? Length = null)
{
    /// <summary>Checks the range is well formed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative offset or a length below 1.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Offset, nameof(Offset));
        if (Length is { } length)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(length, 1, nameof(Length));
        }
    }
}

/// <summary>An open read of a blob.</summary>
/// <param name="Properties">The whole blob's properties.</param>
/// <param name="Content">The bytes requested; dispose it (or this object) when done.</param>
/// <param name="Offset">Offset of the first byte of <paramref name="Content"/> within the blob.</param>
/// <param name="Length">Number of bytes <paramref name="Content"/> yields.</param>
public sealed record BlobDownload(BlobProperties Properties, Stream Content, long Offset, long Length) : IAsyncDisposable
{
    /// <inheritdoc />
    public ValueTask DisposeAsync() => Content.DisposeAsync();
}

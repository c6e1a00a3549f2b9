namespace MailMesh.Blobs.Local;

/// <summary>How the local store lays blobs out on disk (section <c>Blobs:Local</c>); see
/// docs/adr/blobs-02-local-packs.md.</summary>
public sealed class LocalBlobStoreOptions
{
    /// <summary>Largest blob, in bytes, appended to a pack file instead of getting a file of its own; 0 gives every
    /// blob its own file (the layout of blobs-01). Default 64 KB: nearly every message without attachments.</summary>
    public int PackBlobsUpTo { get; set; } = DefaultPackBlobsUpTo;

    /// <summary>A pack file is closed and a new one started once it reaches this size (default 64 MB).</summary>
    public long PackFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Default of <see cref="PackBlobsUpTo"/>.</summary>
    public const int DefaultPackBlobsUpTo = 64 * 1024;

    /// <summary>Largest allowed <see cref="PackBlobsUpTo"/> (each put in flight holds one buffer of that size).</summary>
    public const int MaxPackBlobsUpTo = 1024 * 1024;

    /// <summary>What is wrong with these settings, or null.</summary>
    public string? Validate()
    {
        if (PackBlobsUpTo is < 0 or > MaxPackBlobsUpTo)
        {
            return $"PackBlobsUpTo is {PackBlobsUpTo}; use 0 (no packing) to {MaxPackBlobsUpTo} bytes";
        }

        return PackFileBytes < 1024 * 1024
            ? $"PackFileBytes is {PackFileBytes}; use at least 1048576 (1 MB)"
            : null;
    }
}

using MailMesh.Blobs.Azure;
using MailMesh.Blobs.Local;

namespace MailMesh.Blobs;

/// <summary>Which blob store the silo uses. Section <c>Blobs</c>; environment variables
/// <c>MAILMESH__BLOBS__…</c>.</summary>
public sealed class BlobStoreOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Blobs";

    /// <summary><c>Local</c> (a directory; the embedded default) or <c>Azure</c>.</summary>
    public string Provider { get; set; } = "Local";

    /// <summary>The directory of the local store (the silo defaults it to <c>&lt;DataDirectory&gt;/blobs</c>).</summary>
    public string? Directory { get; set; }

    /// <summary>The local store's layout settings (<c>Blobs:Local</c>), used when <see cref="Provider"/> is <c>Local</c>.</summary>
    public LocalBlobStoreOptions Local { get; set; } = new();

    /// <summary>The Azure settings, used when <see cref="Provider"/> is <c>Azure</c>.</summary>
    public AzureBlobOptions Azure { get; set; } = new();
}

namespace MailMesh.Silo.Hosting;

/// <summary>Where and how this silo runs. Section <c>Silo</c>; environment variables
/// <c>MAILMESH__SILO__…</c>.</summary>
public sealed class SiloOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Silo";

    /// <summary>Directory for the embedded store (SQLite file) and the blob directory. Relative paths are
    /// resolved against the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The SQLite database file (default <c>&lt;DataDirectory&gt;/mailmesh.db</c>).</summary>
    public string? DatabasePath { get; set; }

    /// <summary>The directory of raw message blobs (default <c>&lt;DataDirectory&gt;/blobs</c>).</summary>
    public string? BlobDirectory { get; set; }

    /// <summary>How long graceful shutdown may take (running turns finish, states are persisted). Set the
    /// orchestrator's grace period above it.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The full path of <see cref="DataDirectory"/>.</summary>
    public string DataDirectoryFullPath => Path.GetFullPath(DataDirectory);

    /// <summary>The full path of the SQLite file.</summary>
    public string DatabaseFullPath => Path.GetFullPath(DatabasePath ?? Path.Combine(DataDirectory, "mailmesh.db"));

    /// <summary>The full path of the blob directory.</summary>
    public string BlobFullPath => Path.GetFullPath(BlobDirectory ?? Path.Combine(DataDirectory, "blobs"));
}

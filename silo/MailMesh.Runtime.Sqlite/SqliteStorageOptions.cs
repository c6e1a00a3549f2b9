namespace MailMesh.Runtime.Sqlite;

/// <summary>Settings of the embedded SQLite store (configuration section <c>Storage:Sqlite</c>).</summary>
public sealed class SqliteStorageOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Storage:Sqlite";

    /// <summary>Path of the database file, e.g. <c>&lt;dataDir&gt;/mailmesh.db</c>. Its directory is created
    /// when missing. Required.</summary>
    public string? DatabasePath { get; set; }

    /// <summary>How long a statement waits for a lock held by another connection or process before it
    /// fails with a transient <see cref="Storage.StorageException"/>. Default 5 s.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a waiting event-log reader looks for events committed by other processes.
    /// Commits of this process wake readers at once. Default 1 s.</summary>
    public TimeSpan EventPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most read connections kept open at once. Default 8.</summary>
    public int MaxReadConnections { get; set; } = 8;

    /// <summary>Caps the size of the database file (rounded down to whole pages); null for no cap. When the
    /// cap (or the disk) is reached, writes fail with a "database is full" error and reads go on.</summary>
    public long? MaxDatabaseSizeBytes { get; set; }

    /// <summary>Flush every commit to disk (<c>synchronous=FULL</c>). The default (false, <c>synchronous=NORMAL</c>
    /// in WAL mode) never corrupts the file and loses nothing when the process dies; only a power loss or an OS
    /// crash can lose the last commits.</summary>
    public bool FlushEveryCommit { get; set; }
}

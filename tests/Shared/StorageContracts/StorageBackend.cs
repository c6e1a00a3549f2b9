namespace MailMesh.Runtime.Storage.Contracts;

/// <summary>One storage backend under test (a fresh, empty store), as the contract tests see it. A provider's
/// test project derives it once (SQLite: a temporary file; PostgreSQL: a temporary schema).</summary>
public abstract class StorageBackend : IAsyncDisposable
{
    /// <summary>The grain state provider.</summary>
    public abstract IGrainStorage GrainStorage { get; }

    /// <summary>The event log reader over the same store.</summary>
    public abstract IEventLog EventLog { get; }

    /// <summary>The reminder table over the same store.</summary>
    public abstract IReminderTable Reminders { get; }

    /// <summary>Closes this instance and opens a new one over the same data, as a silo restart does. The returned
    /// backend owns the data from then on; this one must not be used again.</summary>
    public abstract Task<StorageBackend> ReopenAsync();

    /// <summary>Closes the store and removes its data.</summary>
    public abstract ValueTask DisposeAsync();
}

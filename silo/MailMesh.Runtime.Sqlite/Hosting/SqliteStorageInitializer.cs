using Microsoft.Extensions.Hosting;

namespace MailMesh.Runtime.Sqlite.Hosting;

/// <summary>Opens the store and applies its migrations when the host starts, so a bad path, a corrupted file or a
/// newer schema stops start-up with a clear error instead of failing the first grain call.</summary>
public sealed class SqliteStorageInitializer : IHostedService
{
    private readonly SqliteStore _store;

    /// <summary>Creates the initializer for <paramref name="store"/>.</summary>
    public SqliteStorageInitializer(SqliteStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => _store.InitializeAsync(cancellationToken);

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

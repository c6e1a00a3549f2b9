using Microsoft.Extensions.Hosting;

namespace MailMesh.Runtime.PostgreSql.Hosting;

/// <summary>Connects and applies the schema migrations when the host starts, so an unreachable server, a refused
/// login or a newer schema stops start-up with a clear error instead of failing the first grain call.</summary>
public sealed class PostgreSqlStorageInitializer : IHostedService
{
    private readonly PostgreSqlStore _store;

    /// <summary>Creates the initializer for <paramref name="store"/>.</summary>
    public PostgreSqlStorageInitializer(PostgreSqlStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => _store.InitializeAsync(cancellationToken);

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

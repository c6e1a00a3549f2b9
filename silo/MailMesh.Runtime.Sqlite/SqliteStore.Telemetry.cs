using MailMesh.Runtime.Sqlite.Internal;

namespace MailMesh.Runtime.Sqlite;

/// <summary>The store's read and write entry points, traced and timed when something listens (<see cref="SqliteDiagnostics"/>).</summary>
public sealed partial class SqliteStore
{
    /// <summary>Queues <paramref name="work"/> for the writer loop (group commit, one savepoint per write).</summary>
    internal Task<TResult> ExecuteWriteAsync<TState, TResult>(
        string operation, TState state, Func<WriterConnection, TState, TResult> work, CancellationToken cancellationToken) =>
        SqliteDiagnostics.IsEnabled
            ? SqliteDiagnostics.TraceAsync("write", operation, DatabasePath, () => ExecuteWriteCoreAsync(operation, state, work, cancellationToken))
            : ExecuteWriteCoreAsync(operation, state, work, cancellationToken);

    /// <summary>Runs <paramref name="work"/> on a pooled reader connection (a consistent snapshot per statement).</summary>
    internal Task<TResult> ExecuteReadAsync<TState, TResult>(
        string operation, TState state, Func<ReaderConnection, TState, TResult> work, CancellationToken cancellationToken) =>
        SqliteDiagnostics.IsEnabled
            ? SqliteDiagnostics.TraceAsync("read", operation, DatabasePath, () => ExecuteReadCoreAsync(operation, state, work, cancellationToken))
            : ExecuteReadCoreAsync(operation, state, work, cancellationToken);
}

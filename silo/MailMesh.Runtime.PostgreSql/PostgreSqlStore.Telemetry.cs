using MailMesh.Runtime.PostgreSql.Internal;
using Npgsql;

namespace MailMesh.Runtime.PostgreSql;

/// <summary>The store's entry point, traced and timed when something listens (<see cref="PostgreSqlDiagnostics"/>).</summary>
public sealed partial class PostgreSqlStore
{
    private (string Host, int Port, string Database)? _telemetryTarget;

    /// <summary>Runs <paramref name="work"/> on a pooled connection, retried once on a broken pooled connection when
    /// that is safe for <paramref name="repeat"/>; errors become storage exceptions that say what failed.</summary>
    internal Task<TResult> ExecuteAsync<TState, TResult>(
        string operation,
        Repeat repeat,
        TState state,
        Func<NpgsqlConnection, TState, CancellationToken, Task<TResult>> work,
        CancellationToken cancellationToken) =>
        PostgreSqlDiagnostics.IsEnabled
            ? TraceAsync(repeat == Repeat.Read ? "read" : "write", operation, () => ExecuteCoreAsync(operation, repeat, state, work, cancellationToken))
            : ExecuteCoreAsync(operation, repeat, state, work, cancellationToken);

    private Task<TResult> TraceAsync<TResult>(string kind, string operation, Func<Task<TResult>> call)
    {
        var target = _telemetryTarget ??= Target(_options.ConnectionString);
        return PostgreSqlDiagnostics.TraceAsync(kind, operation, target.Host, target.Port, target.Database, call);
    }

    private static (string Host, int Port, string Database) Target(string? connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return (builder.Host ?? "", builder.Port, builder.Database ?? builder.Username ?? "");
    }
}

using System.Net.Sockets;
using MailMesh.Runtime.PostgreSql.Internal;
using MailMesh.Runtime.Storage;
using Npgsql;

namespace MailMesh.Runtime.PostgreSql;

public sealed partial class PostgreSqlStore
{
    /// <summary>Logs a PostgreSQL error and returns it as a <see cref="StorageException"/>, for <c>throw Fail(e, …)</c>.</summary>
    /// <param name="error">The error.</param>
    /// <param name="operation">What was being done, e.g. "writing state 'x' of …".</param>
    /// <param name="outcomeUnknown">A write was sent and the connection broke: it may or may not have committed.</param>
    internal StorageException Fail(NpgsqlException error, string operation, bool outcomeUnknown)
    {
        var translated = Translate(error, operation, outcomeUnknown);
        Log.StorageFailed(_logger, Server, operation, (error as PostgresException)?.SqlState ?? "-", translated.IsTransient, error);
        return translated;
    }

    /// <summary>Errors after which the connection (and the pool's other connections to the same server) are likely
    /// dead: I/O and timeouts on the client side, the server shutting down or not accepting connections yet.</summary>
    internal static bool BreaksConnection(NpgsqlException error) => error switch
    {
        PostgresException p => p.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.ConnectionFailure or PostgresErrorCodes.ConnectionException,
        _ => true,
    };

    /// <summary>Turns a PostgreSQL error into a <see cref="StorageException"/> that names the server, says what failed
    /// and what to do. Unreachable or overloaded servers are transient (the API answers UNAVAILABLE).</summary>
    internal StorageException Translate(NpgsqlException error, string operation, bool outcomeUnknown)
    {
        var unknown = outcomeUnknown
            ? " The connection broke after the write was sent, so it may or may not have been committed: re-read before retrying."
            : " Nothing was written.";
        var (message, transient) = error switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } p => (
                $"PostgreSQL at {Server} refused the login while {operation} ({p.MessageText}). Check Username and Password in " +
                "Storage:PostgreSql:ConnectionString (MAILMESH__STORAGE__POSTGRESQL__CONNECTIONSTRING).",
                false),
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } p => (
                $"The database of {Server} does not exist while {operation} ({p.MessageText}). Create it, or fix Database in " +
                "Storage:PostgreSql:ConnectionString.",
                false),
            PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } p => (
                $"PostgreSQL at {Server} denied a permission while {operation} ({p.MessageText}). The user needs to own (or have " +
                $"CREATE and USAGE on) schema '{Schema}' and its tables.{unknown}",
                false),
            PostgresException { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName or PostgresErrorCodes.UndefinedColumn } p => (
                $"A table of schema '{Schema}' on {Server} is missing or changed while {operation} ({p.MessageText}): the schema " +
                "was altered or dropped after start-up. Restart the silo to re-create it, or restore it from a backup.",
                false),
            PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable } p => (
                $"PostgreSQL at {Server} timed out waiting for a lock while {operation} ({p.MessageText}).{unknown} Retry later.",
                true),
            PostgresException p when p.SqlState.StartsWith("23", StringComparison.Ordinal) => (
                $"Writing to PostgreSQL at {Server} broke a rule of the schema while {operation}: {p.MessageText}" +
                (p.ConstraintName is null ? string.Empty : $" (constraint '{p.ConstraintName}' on table '{p.TableName}')") + "." + unknown,
                false),
            PostgresException p when p.IsTransient || BreaksConnection(p) => (
                $"PostgreSQL at {Server} is temporarily unavailable while {operation} ({p.SqlState}: {p.MessageText}).{unknown} " +
                "Retry later.",
                true),
            PostgresException p => (
                $"PostgreSQL error {p.SqlState} at {Server} while {operation}: {p.MessageText}.{unknown}",
                false),
            _ => (
                $"PostgreSQL at {Server} is unavailable while {operation} ({Describe(error)}).{unknown} Retry later; check that the " +
                "server runs and that Storage:PostgreSql:ConnectionString points at it.",
                true),
        };

        return new StorageException(message, transient, error);
    }

    private static string Describe(Exception error)
    {
        var text = error.Message.TrimEnd('.');
        for (var inner = error.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException or TimeoutException or IOException)
            {
                return $"{text}: {inner.Message.TrimEnd('.')}";
            }
        }

        return text;
    }

    /// <summary>A stored row that cannot be read back: the error names it and the server; the row is left alone.</summary>
    internal StorageException Malformed(string what, string operation) =>
        new($"A stored row in schema '{Schema}' on {Server} is malformed while {operation}: {what}. It was left as it is; " +
            "repair or remove that row.", isTransient: false);
}

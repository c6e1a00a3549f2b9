using Microsoft.Data.Sqlite;

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>Opens connections to the store file with the settings every connection needs.</summary>
internal static class Connections
{
    public static int CommandTimeoutSeconds(SqliteStorageOptions options) =>
        // Microsoft.Data.Sqlite retries SQLITE_BUSY itself until the command timeout; keep that close to the
        // busy timeout so a lock held elsewhere surfaces as an error instead of a long stall.
        Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds));

    public static SqliteConnection Open(string path, SqliteStorageOptions options, bool writer)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            // The store keeps its own long-lived connections; the driver's pool would keep the file open after
            // the store is disposed, which stops a restart test from seeing a cleanly closed file.
            Pooling = false,
            DefaultTimeout = CommandTimeoutSeconds(options),
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            // The writer keeps 16 MiB of pages cached and trims the WAL back to 64 MiB after a checkpoint, so a
            // burst of writes does not leave a huge WAL file behind.
            var busy = (long)Math.Ceiling(options.BusyTimeout.TotalMilliseconds);
            var pragmas = writer
                ? $"PRAGMA busy_timeout = {busy}; PRAGMA journal_mode = WAL; PRAGMA synchronous = {(options.FlushEveryCommit ? "FULL" : "NORMAL")}; PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384; PRAGMA journal_size_limit = 67108864;"
                : $"PRAGMA busy_timeout = {busy}; PRAGMA query_only = ON; PRAGMA foreign_keys = ON;";
            Execute(connection, pragmas);
            if (writer && options.MaxDatabaseSizeBytes is { } maxBytes)
            {
                var pageSize = Convert.ToInt64(Scalar(connection, "PRAGMA page_size;"), System.Globalization.CultureInfo.InvariantCulture);
                Execute(connection, $"PRAGMA max_page_count = {Math.Max(1, maxBytes / pageSize)};");
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}

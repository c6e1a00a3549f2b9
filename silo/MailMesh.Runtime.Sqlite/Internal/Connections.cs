using Microsoft.Data.Sqlite;

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>Opens connections to the store file with the settings every connection needs.</summary>
internal static class Connections
{
    public static int CommandTimeoutSeconds(SqliteStorageOptions options) =>
        // Microsoft.Data.Sqlite retries SQLITE_BUSY itself until the command timeout; keep that close to the
        // busy timeout so a lock held elsewhere surfaces as an error instead of a long stall.
        Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds));

    /// <summary>The writer's page cache (KiB): enough for what one group commit dirties. Not more: at the commit of a
    /// transaction that split a b-tree page SQLite walks the whole cache (docs/adr/storage-02-writer-page-cache.md).</summary>
    public const int WriterCacheKiB = 16_384;

    /// <summary>WAL size (4 KiB pages) at which a commit checkpoints.</summary>
    public const int CheckpointPages = 16_384;

    /// <summary>WAL size the file is trimmed back to after a checkpoint.</summary>
    public const long WalLimitBytes = 64L * 1024 * 1024;

    /// <summary>How much of the database file each connection maps into memory for reading.</summary>
    public const long MapBytes = 1L << 30;

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
            // The writer keeps up to 16 MiB of pages cached: a transaction that dirties more pages than the cache holds
            // spills them to the WAL before its commit and writes them again at the commit, and every miss is a read
            // system call. It checkpoints once the WAL holds 64 MiB (not the default 4 MiB): a page changed by many
            // commits in between is copied into the database once, and the checkpoint's two flushes come 16 times less
            // often; the WAL is trimmed back to 64 MiB afterwards. Every connection maps up to 1 GiB of the file, so
            // pages found in the database are read from memory, not through a read system call each
            // (docs/adr/audience-06-import-write-amplification.md).
            var busy = (long)Math.Ceiling(options.BusyTimeout.TotalMilliseconds);
            var pragmas = writer
                ? $"PRAGMA busy_timeout = {busy}; PRAGMA journal_mode = WAL; PRAGMA synchronous = {(options.FlushEveryCommit ? "FULL" : "NORMAL")}; PRAGMA foreign_keys = ON; " +
                  $"PRAGMA cache_size = -{WriterCacheKiB}; PRAGMA wal_autocheckpoint = {CheckpointPages}; PRAGMA journal_size_limit = {WalLimitBytes}; PRAGMA mmap_size = {MapBytes};"
                : $"PRAGMA busy_timeout = {busy}; PRAGMA query_only = ON; PRAGMA foreign_keys = ON; PRAGMA mmap_size = {MapBytes};";
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

using MailMesh.Runtime.Sqlite.Internal;
using MailMesh.Runtime.Storage;
using Microsoft.Data.Sqlite;

namespace MailMesh.Runtime.Sqlite;

public sealed partial class SqliteStore
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteNoMemory = 7;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteCorrupt = 11;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;
    private const int SqliteNotADatabase = 26;

    /// <summary>Logs a SQLite error and returns it as a <see cref="StorageException"/>, for <c>throw Fail(e, …)</c>.</summary>
    internal StorageException Fail(SqliteException error, string operation)
    {
        var translated = Translate(error, operation);
        Log.StorageFailed(_logger, DatabasePath, operation, error.SqliteExtendedErrorCode, translated.IsTransient, error);
        return translated;
    }

    /// <summary>Whether a retry may succeed later (busy, full, I/O) as opposed to a permanent fault.</summary>
    internal static bool IsTransient(SqliteException error) =>
        error.SqliteErrorCode is SqliteFull or SqliteBusy or SqliteLocked or SqliteIoError or SqliteNoMemory;

    /// <summary>Turns a SQLite error into a <see cref="StorageException"/> that names the file, says what failed
    /// and what to do.</summary>
    internal StorageException Translate(SqliteException error, string operation)
    {
        var (message, transient) = error.SqliteErrorCode switch
        {
            SqliteFull => (
                $"The SQLite database '{DatabasePath}' is full: the disk, or the size cap Storage:Sqlite:MaxDatabaseSizeBytes, " +
                $"left no room while {operation}; nothing was written. Free disk space (or raise the cap): the store " +
                "resumes writing by itself, and reads keep working meanwhile.",
                true),
            SqliteBusy or SqliteLocked => (
                $"The SQLite database '{DatabasePath}' is busy: another connection or process held its lock longer than " +
                $"the busy timeout ({_options.BusyTimeout}) while {operation}; nothing was written. Retry later, or raise " +
                "Storage:Sqlite:BusyTimeout.",
                true),
            SqliteCorrupt or SqliteNotADatabase => (
                $"The file '{DatabasePath}' is not a usable MailMesh SQLite database ({error.Message.TrimEnd('.')}) while " +
                $"{operation}: it is corrupted or is another kind of file. Restore it from a backup, or set " +
                "MAILMESH__STORAGE__SQLITE__DATABASEPATH to another file.",
                false),
            SqliteReadOnly => (
                $"The SQLite database '{DatabasePath}' is read-only while {operation}; nothing was written. Make the file " +
                "and its directory writable by the silo's user.",
                false),
            SqliteCantOpen => (
                $"Cannot open the SQLite database '{DatabasePath}' while {operation} ({error.Message.TrimEnd('.')}). Check " +
                "that its directory exists and is writable, or set MAILMESH__STORAGE__SQLITE__DATABASEPATH to another file.",
                false),
            SqliteIoError => (
                $"An I/O error hit the SQLite database '{DatabasePath}' while {operation} ({error.Message.TrimEnd('.')}); " +
                "nothing was written. Check the disk.",
                true),
            SqliteNoMemory => (
                $"SQLite ran out of memory on '{DatabasePath}' while {operation}; nothing was written.",
                true),
            _ => (
                $"SQLite error {error.SqliteErrorCode} (extended {error.SqliteExtendedErrorCode}) on '{DatabasePath}' while " +
                $"{operation}: {error.Message}",
                false),
        };

        return new StorageException(message, transient, error);
    }

    /// <summary>A stored row that cannot be read back: the error names it and the file; the row is left alone.</summary>
    internal StorageException Malformed(MalformedRowException error, string operation)
    {
        Log.StorageFailed(_logger, DatabasePath, operation, 0, false, error);
        return new StorageException(
            $"A stored row in the SQLite database '{DatabasePath}' is malformed while {operation}: {error.Message}. " +
            "It was left as it is; repair or remove that row (or restore the file from a backup).",
            isTransient: false,
            error);
    }

    /// <summary>Errors after which a connection may hold a broken view of the file and is better reopened.</summary>
    internal static bool BreaksConnection(SqliteException error) =>
        error.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase or SqliteIoError or SqliteCantOpen;
}

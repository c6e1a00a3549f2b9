using Microsoft.Extensions.Options;

namespace MailMesh.Runtime.Sqlite;

/// <summary>Checks <see cref="SqliteStorageOptions"/>; each failure says which setting is wrong and how to fix it.</summary>
public sealed class SqliteStorageOptionsValidator : IValidateOptions<SqliteStorageOptions>
{
    /// <summary>Smallest accepted <see cref="SqliteStorageOptions.MaxDatabaseSizeBytes"/> (64 KiB).</summary>
    public const long MinDatabaseSizeBytes = 64 * 1024;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SqliteStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Returns what is wrong with <paramref name="options"/> (empty when nothing is).</summary>
    public static IReadOnlyList<string> Check(SqliteStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            failures.Add("Storage:Sqlite:DatabasePath is not set; set MAILMESH__STORAGE__SQLITE__DATABASEPATH " +
                         "to the database file, e.g. /var/lib/mailmesh/mailmesh.db");
        }
        else if (options.DatabasePath.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || options.DatabasePath.Contains('\0', StringComparison.Ordinal))
        {
            failures.Add($"Storage:Sqlite:DatabasePath '{options.DatabasePath}' contains characters that are not allowed in a path; " +
                         "set MAILMESH__STORAGE__SQLITE__DATABASEPATH to a plain file path");
        }
        else if (options.DatabasePath.Trim() == ":memory:" || options.DatabasePath.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"Storage:Sqlite:DatabasePath '{options.DatabasePath}' is not a file path; the store needs a file " +
                         "(WAL mode, several connections); set MAILMESH__STORAGE__SQLITE__DATABASEPATH to e.g. /var/lib/mailmesh/mailmesh.db");
        }

        if (options.BusyTimeout < TimeSpan.FromMilliseconds(1) || options.BusyTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Storage:Sqlite:BusyTimeout is {options.BusyTimeout}; it must be between 00:00:00.001 and 00:10:00 " +
                         "(set MAILMESH__STORAGE__SQLITE__BUSYTIMEOUT, e.g. 00:00:05)");
        }

        if (options.EventPollInterval < TimeSpan.FromMilliseconds(10) || options.EventPollInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"Storage:Sqlite:EventPollInterval is {options.EventPollInterval}; it must be between 00:00:00.010 and 01:00:00 " +
                         "(set MAILMESH__STORAGE__SQLITE__EVENTPOLLINTERVAL, e.g. 00:00:01)");
        }

        if (options.MaxReadConnections is < 1 or > 256)
        {
            failures.Add($"Storage:Sqlite:MaxReadConnections is {options.MaxReadConnections}; it must be between 1 and 256 " +
                         "(set MAILMESH__STORAGE__SQLITE__MAXREADCONNECTIONS, e.g. 8)");
        }

        if (options.MaxDatabaseSizeBytes is { } max && max < MinDatabaseSizeBytes)
        {
            failures.Add($"Storage:Sqlite:MaxDatabaseSizeBytes is {max}; it must be at least {MinDatabaseSizeBytes} or unset for no cap " +
                         "(MAILMESH__STORAGE__SQLITE__MAXDATABASESIZEBYTES)");
        }

        return failures;
    }
}

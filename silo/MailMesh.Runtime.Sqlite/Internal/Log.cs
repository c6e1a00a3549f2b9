using Microsoft.Extensions.Logging;

namespace MailMesh.Runtime.Sqlite.Internal;

internal static partial class Log
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Opened SQLite store {Path} at schema version {Version}")]
    public static partial void StoreOpened(ILogger logger, string path, int version);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Applied schema migration {Version} ({Description}) to {Path}")]
    public static partial void MigrationApplied(ILogger logger, int version, string description, string path);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "SQLite store {Path} failed while {Operation} (SQLite error {Code}); transient: {IsTransient}")]
    public static partial void StorageFailed(ILogger logger, string path, string operation, int code, bool isTransient, Exception exception);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Closing the writer connection of {Path}: rolling back after a failure while {Operation} did not work; it is reopened on the next write")]
    public static partial void WriterReset(ILogger logger, string path, string operation, Exception exception);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Information, Message = "Closed SQLite store {Path}")]
    public static partial void StoreClosed(ILogger logger, string path);
}

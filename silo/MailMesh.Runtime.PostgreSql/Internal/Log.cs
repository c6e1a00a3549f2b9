using Microsoft.Extensions.Logging;

namespace MailMesh.Runtime.PostgreSql.Internal;

internal static partial class Log
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "Opened PostgreSQL store {Server} schema {Schema} at schema version {Version}")]
    public static partial void StoreOpened(ILogger logger, string server, string schema, int version);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "Applied schema migration {Version} ({Description}) to {Server} schema {Schema}")]
    public static partial void MigrationApplied(ILogger logger, int version, string description, string server, string schema);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Error, Message = "PostgreSQL store {Server} failed while {Operation} (SQLSTATE {SqlState}); transient: {IsTransient}")]
    public static partial void StorageFailed(ILogger logger, string server, string operation, string sqlState, bool isTransient, Exception exception);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "PostgreSQL connection to {Server} broke while {Operation}; retrying once on a new connection")]
    public static partial void Retrying(ILogger logger, string server, string operation, Exception exception);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Warning, Message = "Event notifications from {Server} stopped ({Reason}); readers poll until they resume")]
    public static partial void ListenerFailed(ILogger logger, string server, string reason, Exception exception);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Information, Message = "Listening for event notifications on {Server} channel {Channel}")]
    public static partial void Listening(ILogger logger, string server, string channel);

    [LoggerMessage(EventId = 2206, Level = LogLevel.Information, Message = "Closed PostgreSQL store {Server} schema {Schema}")]
    public static partial void StoreClosed(ILogger logger, string server, string schema);
}

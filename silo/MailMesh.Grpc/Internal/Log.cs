using Microsoft.Extensions.Logging;

namespace MailMesh.Grpc.Internal;

internal static partial class Log
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Error,
        Message = "gRPC call {Method} failed with an unexpected exception; the client received INTERNAL")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "gRPC call {Method} was cancelled by the client")]
    public static partial void CancelledByClient(ILogger logger, string method);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "gRPC call {Method} exceeded its deadline of {Timeout}")]
    public static partial void DeadlineExceeded(ILogger logger, string method, TimeSpan timeout);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug,
        Message = "gRPC call {Method} ended with {Status}: {Detail}")]
    public static partial void CallFailed(ILogger logger, string method, StatusCode status, string detail);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Debug,
        Message = "gRPC call {Method} handler finished with an exception after the call had already ended")]
    public static partial void HandlerFailedAfterCompletion(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Debug, Message = "gRPC request for unknown method {Path}")]
    public static partial void UnknownMethod(ILogger logger, string path);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Debug, Message = "Non-gRPC request to {Path} refused: {Reason}")]
    public static partial void NotGrpc(ILogger logger, string path, string reason);
}

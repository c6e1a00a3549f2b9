using Microsoft.Extensions.Logging;

namespace MailMesh.Protocols.Pop3.Internal;

internal static partial class Pop3Log
{
    [LoggerMessage(EventId = 4200, Level = LogLevel.Debug, Message = "POP3 connected to {Host}:{Port} ({Tls})")]
    public static partial void Connected(ILogger logger, string host, int port, TlsMode tls);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "POP3 authenticated to {Host} as {User} with {Mechanism}")]
    public static partial void Authenticated(ILogger logger, string host, string user, string mechanism);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "POP3 session with {Host} broken ({Kind}): {Reason}")]
    public static partial void Broken(ILogger logger, string host, ProtocolFailureKind kind, string reason, Exception exception);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Debug, Message = "POP3 CAPA refused by {Host}; assuming RFC 1939 only")]
    public static partial void NoCapa(ILogger logger, string host);
}

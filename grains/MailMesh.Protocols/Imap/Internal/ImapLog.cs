using Microsoft.Extensions.Logging;

namespace MailMesh.Protocols.Imap.Internal;

internal static partial class ImapLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Debug, Message = "IMAP connected to {Host}:{Port} ({Tls})")]
    public static partial void Connected(ILogger logger, string host, int port, TlsMode tls);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "IMAP TLS established with {Host} ({Protocol})")]
    public static partial void TlsEstablished(ILogger logger, string host, string protocol);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "IMAP authenticated to {Host} as {User} with {Mechanism}")]
    public static partial void Authenticated(ILogger logger, string host, string user, string mechanism);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Trace, Message = "IMAP {Command} completed: {Status} {Text}")]
    public static partial void CommandCompleted(ILogger logger, string command, ImapResponseStatus status, string text);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "IMAP session with {Host} broken ({Kind}): {Reason}")]
    public static partial void Broken(ILogger logger, string host, ProtocolFailureKind kind, string reason, Exception exception);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Error, Message = "An ImapClient event handler threw; the session continues")]
    public static partial void EventHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Debug, Message = "IMAP server sent an untagged {Status}: {Text}")]
    public static partial void UntaggedStatus(ILogger logger, string status, string text);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Debug, Message = "IMAP IDLE on {Mailbox} re-issued after {Interval}")]
    public static partial void IdleRefreshed(ILogger logger, string mailbox, TimeSpan interval);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Debug, Message = "IMAP LOGOUT from {Host} failed while disposing: {Reason}")]
    public static partial void LogoutFailed(ILogger logger, string host, string reason);
}

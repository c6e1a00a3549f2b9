using Microsoft.Extensions.Logging;

namespace MailMesh.Relays.Internal;

internal static partial class Log
{
    [LoggerMessage(EventId = 9101, Level = LogLevel.Information,
        Message = "Webhook subscription {SubscriptionId} of {Tenant}: delivering to {Url} after sequence {Position}")]
    public static partial void WebhookWorkerStarted(ILogger logger, string subscriptionId, string tenant, string url, long position);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Warning,
        Message = "Webhook subscription {SubscriptionId}: event {EventId} attempt {Attempt} failed ({Reason}); retrying in {Delay}")]
    public static partial void WebhookRetry(ILogger logger, string subscriptionId, Guid eventId, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 9103, Level = LogLevel.Error,
        Message = "Webhook subscription {SubscriptionId} of {Tenant}: event {EventId} ({Type}) dead-lettered after {Attempts} attempt(s): {Reason}")]
    public static partial void WebhookDeadLettered(ILogger logger, string subscriptionId, string tenant, Guid eventId, string type, int attempts, string reason);

    [LoggerMessage(EventId = 9104, Level = LogLevel.Error, Message = "Webhook subscription {SubscriptionId} of {Tenant}: relay step failed; retrying")]
    public static partial void WebhookWorkerFailed(ILogger logger, string subscriptionId, string tenant, Exception exception);

    [LoggerMessage(EventId = 9105, Level = LogLevel.Error, Message = "Webhook relay: reading the subscriptions failed; retrying at the next refresh")]
    public static partial void WebhookRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9111, Level = LogLevel.Information,
        Message = "RabbitMQ relay: publishing to exchange {Exchange} at {Broker} after sequence {Position}")]
    public static partial void RabbitMqConnected(ILogger logger, string exchange, string broker, long position);

    [LoggerMessage(EventId = 9112, Level = LogLevel.Warning, Message = "RabbitMQ relay: {Problem}; reconnecting in {Delay}")]
    public static partial void RabbitMqFailed(ILogger logger, string problem, TimeSpan delay, Exception exception);
}

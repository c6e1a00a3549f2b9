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

    [LoggerMessage(EventId = 9121, Level = LogLevel.Information, Message = "Relay lease {Lease}: taken by {Holder}; the relay runs on this silo")]
    public static partial void LeaseTaken(ILogger logger, string lease, string holder);

    [LoggerMessage(EventId = 9122, Level = LogLevel.Warning, Message = "Relay lease {Lease}: lost by {Holder} ({Reason}); the relay stops on this silo")]
    public static partial void LeaseLost(ILogger logger, string lease, string holder, string reason);

    [LoggerMessage(EventId = 9123, Level = LogLevel.Information, Message = "Relay lease {Lease}: released by {Holder}")]
    public static partial void LeaseReleased(ILogger logger, string lease, string holder);

    [LoggerMessage(EventId = 9124, Level = LogLevel.Warning, Message = "Relay lease {Lease}: the lease table failed ({Problem}); trying again")]
    public static partial void LeaseFailed(ILogger logger, string lease, string problem, Exception exception);

    [LoggerMessage(EventId = 9125, Level = LogLevel.Error, Message = "Relay {Lease} ended with an error; the lease is given up and taken again")]
    public static partial void RelayFailed(ILogger logger, string lease, Exception exception);
}

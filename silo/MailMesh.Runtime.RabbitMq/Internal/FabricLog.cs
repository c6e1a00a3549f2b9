using Microsoft.Extensions.Logging;

namespace MailMesh.Runtime.RabbitMq.Internal;

/// <summary>Log events of the RabbitMQ fabric (stable ids 1250–1299).</summary>
internal static partial class FabricLog
{
    [LoggerMessage(1250, LogLevel.Information, "RabbitMQ fabric connected to {Broker}: {ShardCount} shard queues with prefix '{Prefix}'")]
    public static partial void Connected(ILogger logger, string broker, int shardCount, string prefix);

    [LoggerMessage(1251, LogLevel.Information, "Shards rebalanced: consuming {Consuming} of {ShardCount} (took {Taken}, handed over {HandedOver})")]
    public static partial void Rebalanced(ILogger logger, int consuming, int shardCount, int taken, int handedOver);

    [LoggerMessage(1252, LogLevel.Warning, "Shard {Shard}: its running turns did not finish within {Timeout}; cancelling its consumer anyway")]
    public static partial void HandOverTimedOut(ILogger logger, int shard, TimeSpan timeout);

    [LoggerMessage(1253, LogLevel.Error, "Message {MessageId} on {Queue} went to the dead-letter queue after {Attempts} attempts: {Error}")]
    public static partial void DeadLettered(ILogger logger, string? messageId, string queue, long attempts, string error);

    [LoggerMessage(1254, LogLevel.Warning, "Finishing delivery {DeliveryTag} of shard {Shard} failed; the broker will deliver it again")]
    public static partial void FinishFailed(ILogger logger, ulong deliveryTag, int shard, Exception error);

    [LoggerMessage(1255, LogLevel.Error, "Rebalancing shards failed; retrying at the next membership change")]
    public static partial void RebalanceFailed(ILogger logger, Exception error);

    [LoggerMessage(1256, LogLevel.Warning, "Connection to the broker lost ({Reason}); {Pending} calls in flight failed")]
    public static partial void ConnectionLost(ILogger logger, string reason, int pending);

    [LoggerMessage(1257, LogLevel.Warning, "A reply with unknown correlation id {CorrelationId} was dropped (its call timed out)")]
    public static partial void UnknownReply(ILogger logger, string? correlationId);

    [LoggerMessage(1258, LogLevel.Warning, "Redelivered message {MessageId} for {Grain} (shard {Shard}) was already applied; not run again")]
    public static partial void DuplicateDropped(ILogger logger, string messageId, string grain, int shard);

    [LoggerMessage(1259, LogLevel.Warning, "The activation of {Grain} is deactivated after a {Error} so that it reads its stored state again")]
    public static partial void StaleActivationDropped(ILogger logger, string grain, string error);

    [LoggerMessage(1260, LogLevel.Warning, "Deactivating {Grain} after a state failure did not work")]
    public static partial void StaleActivationDropFailed(ILogger logger, string grain, Exception error);

    [LoggerMessage(1261, LogLevel.Information, "Connection to the broker recovered; {Consuming} shard consumers re-registered")]
    public static partial void Reconnected(ILogger logger, int consuming);

    [LoggerMessage(1262, LogLevel.Warning, "Publishing {Count} answers to {ReplyTo} failed; their batches return to their queues")]
    public static partial void RepliesFailed(ILogger logger, int count, string replyTo, Exception error);

    [LoggerMessage(1263, LogLevel.Warning, "A reply batch could not be read; the calls it answered will time out")]
    public static partial void UnreadableReplies(ILogger logger, Exception error);
}

namespace MailMesh.Runtime.RabbitMq.Internal;

/// <summary>A call batch this silo received: acknowledged once every call in it is finished (its turn ended and its
/// answer was published, or it went to the dead-letter queue); returned to the queue if finishing any call failed, so
/// the calls that did not commit run again on redelivery and those that did are answered from the message log.</summary>
internal sealed class DeliveredBatch(ShardState shard, ulong deliveryTag, int calls, string? replyTo, string? expiration)
{
    private int _remaining = calls;
    private int _failed;

    public ShardState Shard { get; } = shard;

    public ulong DeliveryTag { get; } = deliveryTag;

    /// <summary>Where the answers go (the caller's direct reply-to).</summary>
    public string? ReplyTo { get; } = replyTo;

    /// <summary>The batch's expiration (the longest call timeout in it), kept on calls forwarded to their own shard.</summary>
    public string? Expiration { get; } = expiration;

    public bool Failed => Volatile.Read(ref _failed) != 0;

    /// <summary>Marks one call finished; true when it was the last one.</summary>
    public bool CallFinished(bool succeeded)
    {
        if (!succeeded)
        {
            Volatile.Write(ref _failed, 1);
        }

        return Interlocked.Decrement(ref _remaining) == 0;
    }
}

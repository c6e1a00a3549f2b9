namespace MailMesh.Runtime.RabbitMq;

/// <summary>Counts of what a silo's fabric sent since it was created: calls and the call-batch messages that carried
/// them, answers and the reply-batch messages that carried them, and calls it received through another shard's queue
/// while not consuming their own shard and forwarded there.</summary>
public sealed record FabricStatistics(long CallsSent, long CallMessagesSent, long RepliesSent, long ReplyMessagesSent, long CallsForwarded)
{
    /// <summary>Calls per call message (1 when nothing was coalesced; 0 before the first call).</summary>
    public double CallsPerMessage => CallMessagesSent == 0 ? 0 : (double)CallsSent / CallMessagesSent;

    /// <summary>Answers per reply message.</summary>
    public double RepliesPerMessage => ReplyMessagesSent == 0 ? 0 : (double)RepliesSent / ReplyMessagesSent;
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.Invocation;
using MailMesh.Runtime.RabbitMq.Internal;
using MailMesh.Runtime.Storage;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace MailMesh.Runtime.RabbitMq;

/// <summary>The callee's side of call batches: each call of a delivered batch runs as its own turn (started in batch
/// order on the consumer's dispatch loop, so one grain's calls keep their order) when this silo is the active consumer
/// of the call's shard, else it is forwarded to that shard's queue; answers go to the caller through a per-reply-to
/// outbox that coalesces them; the batch is acknowledged after every call in it finished.</summary>
public sealed partial class RabbitMqFabric
{
    private readonly ConcurrentDictionary<string, Coalescer<OutgoingReply>> _replyOutboxes = new(StringComparer.Ordinal);

    private async Task OnCallBatchAsync(ShardState shard, BasicDeliverEventArgs delivery)
    {
        var body = delivery.Body.ToArray();
        List<ReadOnlyMemory<byte>> envelopes;
        try
        {
            envelopes = CallBatch.Split(body);
        }
        catch (FormatException e)
        {
            _ = DeadLetterAndAckAsync(shard, delivery.DeliveryTag, CopyProperties(delivery.BasicProperties), body, $"unreadable call batch: {e.Message}", e.GetType().FullName!);
            return;
        }

        var batch = new DeliveredBatch(shard, delivery.DeliveryTag, envelopes.Count, delivery.BasicProperties.ReplyTo, delivery.BasicProperties.Expiration);
        if (envelopes.Count == 0)
        {
            _ = FinishBatchAsync(batch);
            return;
        }

        foreach (var envelope in envelopes)
        {
            CallEnvelope call;
            GrainId grain;
            GrainRequest request;
            try
            {
                call = CallEnvelope.Read(envelope);
            }
            catch (FormatException e)
            {
                _ = DeadLetterCallAsync(batch, envelope, call: null, e);
                continue;
            }

            try
            {
                (grain, request) = Resolve(call.GrainType, call.GrainKey, call.MethodId, call.Arguments.Span);
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException or ArgumentException)
            {
                _ = DeadLetterCallAsync(batch, envelope, call, e);
                continue;
            }

            if (delivery.Redelivered && _messageLog is { } log)
            {
                // The broker gave this batch to a silo before, which failed before acknowledging it: run each call
                // only if none of its state writes committed. Awaited here, on the dispatch loop, so order is kept.
                Exception? known = null;
                try
                {
                    if (await log.WasAppliedAsync(grain, call.MessageId).ConfigureAwait(false))
                    {
                        FabricLog.DuplicateDropped(_logger, call.MessageId, grain.ToString(), shard.Number);
                        known = new MessageAlreadyAppliedException(grain, request.Method.Name, call.MessageId);
                    }
                }
                catch (StorageException e)
                {
                    known = e; // unknown whether it ran: answer the store's error rather than risk running it twice
                }

                if (known is not null)
                {
                    Answer(batch, call.CorrelationId, ResultType(request.GetType()), result: null, known);
                    continue;
                }
            }

            var callShard = _shards[GrainShards.ShardOf(grain, ShardCount)];
            var carried = callShard != shard ? callShard : null;
            if (carried is not null && !carried.TryEnterCarried())
            {
                // Carried by another shard's queue, but this silo is not (or no longer, or not yet) the active consumer
                // of the grain's own shard: hand the call to that shard's queue, whose consumer runs it.
                _ = ForwardCallAsync(batch, envelope, carried);
                continue;
            }

            Task<object?> running;
            using (ActivitySource.StartActivity($"handle {request.Method.DisplayName}", ActivityKind.Server, call.TraceContext))
            {
                running = InvokerFor(request.GetType())(_silo!, grain, request, call.MessageId);
            }

            if (running.IsCompletedSuccessfully)
            {
                carried?.Exit();
                Answer(batch, call.CorrelationId, ResultType(request.GetType()), running.Result, error: null);
                continue;
            }

            _ = AnswerWhenDoneAsync(batch, call.CorrelationId, ResultType(request.GetType()), running, carried);
            _ = DropStaleActivationAsync(grain, running);
        }
    }

    private async Task AnswerWhenDoneAsync(DeliveredBatch batch, string correlationId, Type resultType, Task<object?> running, ShardState? carried)
    {
        object? result = null;
        Exception? error = null;
        try
        {
            result = await running.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            error = e;
        }

        carried?.Exit();
        Answer(batch, correlationId, resultType, result, error);
    }

    /// <summary>Queues a call's answer in the outbox of the batch's reply-to; the call counts as finished once that
    /// answer is published.</summary>
    private void Answer(DeliveredBatch batch, string correlationId, Type resultType, object? result, Exception? error)
    {
        if (batch.ReplyTo is not { } replyTo || correlationId.Length == 0)
        {
            FinishCall(batch, succeeded: true);
            return;
        }

        byte[] body = [];
        if (error is null)
        {
            try
            {
                body = _codec!.EncodeResult(result, resultType);
            }
            catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException)
            {
                error = new InvalidOperationException($"The result ({resultType.Name}) cannot be sent back to the caller: {e.Message}", e);
            }
        }

        ReplyError? replyError = null;
        if (error is not null)
        {
            replyError = new ReplyError(RemoteErrors.TypeName(error), error.Message, error.StackTrace);
            body = RemoteErrors.EncodeProperties(error, _codec!.Options);
        }

        var reply = new OutgoingReply(correlationId, replyError, body, batch);
        _replyOutboxes.GetOrAdd(replyTo, static (key, fabric) => fabric.NewReplyOutbox(key), this).Enqueue(reply, reply.Size);
    }

    private Coalescer<OutgoingReply> NewReplyOutbox(string replyTo) => new(
        _options.MaxBatchCalls,
        _options.MaxBatchBytes,
        replies => PublishRepliesAsync(replyTo, replies),
        (replies, error) =>
        {
            FabricLog.RepliesFailed(_logger, replies.Count, replyTo, error);
            foreach (var reply in replies)
            {
                FinishCall(reply.Batch, succeeded: false);
            }
        },
        idle: outbox => _replyOutboxes.TryRemove(KeyValuePair.Create(replyTo, outbox)));

    private async Task PublishRepliesAsync(string replyTo, IReadOnlyList<OutgoingReply> replies)
    {
        var properties = new BasicProperties { Type = ReplyBatch.Kind, ContentType = ReplyBatch.ContentType };
        await _replyChannel!.BasicPublishAsync(string.Empty, replyTo, mandatory: false, properties, ReplyBatch.Encode(replies)).ConfigureAwait(false);
        Interlocked.Increment(ref _replyMessagesSent);
        Interlocked.Add(ref _repliesSent, replies.Count);
        foreach (var reply in replies)
        {
            FinishCall(reply.Batch, succeeded: true);
        }
    }

    /// <summary>An unreadable call (unknown grain type or method, bad arguments) goes to the dead-letter queue on its
    /// own, as a batch of one; its caller is answered with the reason; the other calls of the batch run.</summary>
    private async Task DeadLetterCallAsync(DeliveredBatch batch, ReadOnlyMemory<byte> envelope, CallEnvelope? call, Exception error)
    {
        var properties = new BasicProperties { MessageId = call?.MessageId, Type = CallBatch.Kind, ContentType = CallBatch.ContentType };
        var reason = $"unreadable call: {error.Message}";
        try
        {
            await PublishDeadLetterAsync(batch.Shard, properties, CallBatch.EncodeSingle(envelope), reason, error.GetType().FullName!, call?.Attempt ?? 1).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException or ObjectDisposedException or RabbitMQ.Client.Exceptions.PublishException)
        {
            FabricLog.FinishFailed(_logger, batch.DeliveryTag, batch.Shard.Number, e);
            FinishCall(batch, succeeded: false);
            return;
        }

        if (call is null)
        {
            FinishCall(batch, succeeded: true);
            return;
        }

        Answer(batch, call.CorrelationId, typeof(object), result: null,
            new InvalidOperationException($"The call went to the dead-letter queue {DeadLetterQueue}: the silo consuming shard {batch.Shard.Number} cannot read it ({error.Message})."));
    }

    /// <summary>Publishes one call of a batch to its own shard's queue (confirmed by the broker before the call counts
    /// as finished here); the answer goes from the silo that runs it straight to the caller.</summary>
    private async Task ForwardCallAsync(DeliveredBatch batch, ReadOnlyMemory<byte> envelope, ShardState target)
    {
        var properties = new BasicProperties
        {
            Type = CallBatch.Kind,
            ContentType = CallBatch.ContentType,
            ReplyTo = batch.ReplyTo,
            DeliveryMode = DeliveryModes.Transient,
            Expiration = batch.Expiration,
        };
        try
        {
            await _publishChannel!.BasicPublishAsync(string.Empty, target.Queue, mandatory: false, properties, CallBatch.EncodeSingle(envelope)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException or ObjectDisposedException or RabbitMQ.Client.Exceptions.PublishException)
        {
            FabricLog.FinishFailed(_logger, batch.DeliveryTag, batch.Shard.Number, e);
            FinishCall(batch, succeeded: false);
            return;
        }

        Interlocked.Increment(ref _callsForwarded);
        FinishCall(batch, succeeded: true);
    }

    private void FinishCall(DeliveredBatch batch, bool succeeded)
    {
        if (batch.CallFinished(succeeded))
        {
            _ = FinishBatchAsync(batch);
        }
    }

    /// <summary>Acknowledges a batch whose calls all finished; returns it to the queue when finishing one failed (its
    /// redelivery runs the calls that did not commit and answers the others from the message log).</summary>
    private async Task FinishBatchAsync(DeliveredBatch batch)
    {
        try
        {
            if (batch.Failed)
            {
                await _consumeChannel!.BasicNackAsync(batch.DeliveryTag, multiple: false, requeue: true).ConfigureAwait(false);
            }
            else
            {
                await _consumeChannel!.BasicAckAsync(batch.DeliveryTag, multiple: false).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException or ObjectDisposedException)
        {
            FabricLog.FinishFailed(_logger, batch.DeliveryTag, batch.Shard.Number, e);
        }
        finally
        {
            batch.Shard.Exit();
        }
    }
}

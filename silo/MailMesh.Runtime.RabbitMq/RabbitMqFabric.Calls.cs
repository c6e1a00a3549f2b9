using System.Diagnostics;
using System.Globalization;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.Diagnostics;
using MailMesh.Runtime.Invocation;
using MailMesh.Runtime.RabbitMq.Internal;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace MailMesh.Runtime.RabbitMq;

/// <summary>The caller's side: calls through shard queues with direct reply-to, one-way messages.</summary>
public sealed partial class RabbitMqFabric
{
    private interface IPendingReply
    {
        void Complete(ReplyError? error, ReadOnlySpan<byte> body);

        void Fail(Exception error);
    }

    /// <inheritdoc />
    public async Task<TResult> SendAsync<TResult>(GrainId grain, GrainRequest<TResult> request, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_started || _callChannel is null || _codec is null)
        {
            throw new SiloUnavailableException($"The cluster fabric of this silo is not running; the call to {grain}.{request.Method.Name} was not sent.");
        }

        var shard = GrainShards.ShardOf(grain, ShardCount);
        var correlationId = _correlationPrefix + Interlocked.Increment(ref _nextCorrelation).ToString(CultureInfo.InvariantCulture);
        using var activity = ActivitySource.StartActivity($"call {request.Method.DisplayName}", ActivityKind.Client);
        var envelope = CallEnvelope.Encode(Guid.NewGuid().ToString("N"), correlationId, grain, request, _codec);
        var pending = new PendingReply<TResult>(_codec);
        _pending[correlationId] = pending;
        // A call nobody picks up before the caller gives up is dropped by the broker instead of running late (the
        // batch carries the longest timeout of its calls).
        var call = new OutgoingCall(correlationId, envelope, (long)Math.Ceiling(timeout.TotalMilliseconds));
        _callOutboxes[_carriers[shard]].Enqueue(call, envelope.Length + CallBatch.Overhead(envelope.Length));
        try
        {
            return await pending.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _pending.TryRemove(correlationId, out _);
            throw new GrainCallTimeoutException(grain, request.Method.Name, timeout, $"no answer from the silo consuming shard {shard} ({_shards[shard].Queue})");
        }
    }

    /// <summary>Publishes the calls waiting for one carrier shard (all grains of one owning silo) as one message to that
    /// shard's queue (their envelopes in order).</summary>
    private async Task PublishCallsAsync(ShardState shard, IReadOnlyList<OutgoingCall> calls)
    {
        var channel = (_started ? _callChannel : null) ?? throw new SiloUnavailableException("The cluster fabric of this silo stopped.");
        var expiration = 0L;
        foreach (var call in calls)
        {
            expiration = Math.Max(expiration, call.TimeoutMilliseconds);
        }

        var properties = new BasicProperties
        {
            Type = CallBatch.Kind,
            ContentType = CallBatch.ContentType,
            ReplyTo = DirectReplyTo,
            DeliveryMode = DeliveryModes.Transient,
            Expiration = expiration.ToString(CultureInfo.InvariantCulture),
        };
        await channel.BasicPublishAsync(string.Empty, shard.Queue, mandatory: false, properties, CallBatch.Encode(calls)).ConfigureAwait(false);
        Interlocked.Increment(ref _callMessagesSent);
        Interlocked.Add(ref _callsSent, calls.Count);
    }

    private void FailCalls(ShardState shard, IReadOnlyList<OutgoingCall> calls, Exception error)
    {
        foreach (var call in calls)
        {
            if (_pending.TryRemove(call.CorrelationId, out var pending))
            {
                pending.Fail(error as SiloUnavailableException
                    ?? new SiloUnavailableException($"The call could not be sent to shard {shard.Number} through RabbitMQ: {error.Message}"));
            }
        }
    }

    /// <summary>Sends a one-way message (an event or reminder tick): persistent, confirmed by the broker before this
    /// returns, run by the silo consuming the grain's shard; if handling it fails
    /// <see cref="RabbitMqFabricOptions.MaxDeliveryAttempts"/> times it goes to the dead-letter queue with the error.</summary>
    public async Task SendOneWayAsync<TResult>(GrainId grain, GrainRequest<TResult> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var channel = _started ? _publishChannel : null;
        if (channel is null || _codec is null)
        {
            throw new SiloUnavailableException($"The cluster fabric of this silo is not running; the message to {grain}.{request.Method.Name} was not sent.");
        }

        var shard = _shards[GrainShards.ShardOf(grain, ShardCount)];
        using var activity = ActivitySource.StartActivity($"send {request.Method.DisplayName}", ActivityKind.Producer);
        var properties = NewProperties(grain, request.Method, MessageHeaders.OneWayKind, attempt: 1, persistent: true);
        await channel.BasicPublishAsync(string.Empty, shard.Queue, mandatory: false, properties, _codec.EncodeArguments(request), cancellationToken).ConfigureAwait(false);
    }

    private static BasicProperties NewProperties(GrainId grain, GrainMethodInfo method, string kind, long attempt, bool persistent)
    {
        var headers = new Dictionary<string, object?>(6)
        {
            [MessageHeaders.GrainType] = grain.Type,
            [MessageHeaders.GrainKey] = grain.Key,
            [MessageHeaders.Method] = method.Id,
            [MessageHeaders.Attempt] = attempt,
        };
        GrainTracing.Inject(headers);

        return new BasicProperties
        {
            MessageId = Guid.NewGuid().ToString("N"),
            Type = kind,
            ContentType = "application/json",
            DeliveryMode = persistent ? DeliveryModes.Persistent : DeliveryModes.Transient,
            Headers = headers,
        };
    }

    private Task OnReplyAsync(object sender, BasicDeliverEventArgs delivery)
    {
        var properties = delivery.BasicProperties;
        if (properties.Type == ReplyBatch.Kind)
        {
            try
            {
                ReplyBatch.Read(delivery.Body.Span, _completeAnswer);
            }
            catch (FormatException e)
            {
                FabricLog.UnreadableReplies(_logger, e);
            }

            return Task.CompletedTask;
        }

        // A single answer: to a call in the one-message-per-call format of earlier versions.
        var error = properties.Type == MessageHeaders.ErrorKind
            ? new ReplyError(
                MessageHeaders.String(properties.Headers, MessageHeaders.ErrorType) ?? "System.Exception",
                MessageHeaders.String(properties.Headers, MessageHeaders.ErrorMessage) ?? "",
                MessageHeaders.String(properties.Headers, MessageHeaders.ErrorStack))
            : null;
        CompleteAnswer(properties.CorrelationId ?? "", error, delivery.Body.Span);
        return Task.CompletedTask;
    }

    private void CompleteAnswer(string correlationId, ReplyError? error, ReadOnlySpan<byte> body)
    {
        if (_pending.TryRemove(correlationId, out var pending))
        {
            pending.Complete(error, body);
        }
        else
        {
            FabricLog.UnknownReply(_logger, correlationId);
        }
    }

    private sealed class PendingReply<TResult>(MessageCodec codec) : IPendingReply
    {
        private readonly TaskCompletionSource<TResult> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<TResult> Task => _answer.Task;

        public void Complete(ReplyError? error, ReadOnlySpan<byte> body)
        {
            try
            {
                if (error is not null)
                {
                    _answer.TrySetException(RemoteErrors.Decode(error.Type, error.Message, error.StackTrace, body, codec.Options));
                }
                else
                {
                    _answer.TrySetResult(codec.DecodeResult<TResult>(body));
                }
            }
            catch (System.Text.Json.JsonException e)
            {
                _answer.TrySetException(new InvalidOperationException($"The answer cannot be read as {typeof(TResult).Name}: {e.Message}", e));
            }
        }

        public void Fail(Exception error) => _answer.TrySetException(error);
    }
}

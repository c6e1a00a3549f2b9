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
        void Complete(IReadOnlyBasicProperties properties, ReadOnlySpan<byte> body);

        void Fail(Exception error);
    }

    /// <inheritdoc />
    public async Task<TResult> SendAsync<TResult>(GrainId grain, GrainRequest<TResult> request, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(request);
        var channel = _started ? _callChannel : null;
        if (channel is null || _codec is null)
        {
            throw new SiloUnavailableException($"The cluster fabric of this silo is not running; the call to {grain}.{request.Method.Name} was not sent.");
        }

        var shard = _shards[GrainShards.ShardOf(grain, ShardCount)];
        var body = _codec.EncodeArguments(request);
        var correlationId = _correlationPrefix + Interlocked.Increment(ref _nextCorrelation).ToString(CultureInfo.InvariantCulture);
        var pending = new PendingReply<TResult>(_codec);
        _pending[correlationId] = pending;
        using var activity = ActivitySource.StartActivity($"call {request.Method.DisplayName}", ActivityKind.Client);
        var properties = NewProperties(grain, request.Method, MessageHeaders.CallKind, attempt: 1, persistent: false);
        properties.CorrelationId = correlationId;
        properties.ReplyTo = DirectReplyTo;
        // A call nobody picks up before the caller gives up is dropped by the broker instead of running late.
        properties.Expiration = ((long)Math.Ceiling(timeout.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
        try
        {
            await channel.BasicPublishAsync(string.Empty, shard.Queue, mandatory: false, properties, body).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _pending.TryRemove(correlationId, out _);
            throw new SiloUnavailableException($"The call to {grain}.{request.Method.Name} could not be sent to shard {shard.Number} through RabbitMQ: {e.Message}");
        }

        try
        {
            return await pending.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _pending.TryRemove(correlationId, out _);
            throw new GrainCallTimeoutException(grain, request.Method.Name, timeout, $"no answer from the silo consuming shard {shard.Number} ({shard.Queue})");
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
        if (delivery.BasicProperties.CorrelationId is { } id && _pending.TryRemove(id, out var pending))
        {
            pending.Complete(delivery.BasicProperties, delivery.Body.Span);
        }
        else
        {
            FabricLog.UnknownReply(_logger, delivery.BasicProperties.CorrelationId);
        }

        return Task.CompletedTask;
    }

    private sealed class PendingReply<TResult>(MessageCodec codec) : IPendingReply
    {
        private readonly TaskCompletionSource<TResult> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<TResult> Task => _answer.Task;

        public void Complete(IReadOnlyBasicProperties properties, ReadOnlySpan<byte> body)
        {
            try
            {
                if (properties.Type == MessageHeaders.ErrorKind)
                {
                    _answer.TrySetException(RemoteErrors.Decode(
                        MessageHeaders.String(properties.Headers, MessageHeaders.ErrorType) ?? "System.Exception",
                        MessageHeaders.String(properties.Headers, MessageHeaders.ErrorMessage) ?? "",
                        MessageHeaders.String(properties.Headers, MessageHeaders.ErrorStack),
                        body,
                        codec.Options));
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

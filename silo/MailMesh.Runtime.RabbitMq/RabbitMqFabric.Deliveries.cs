using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using MailMesh.Runtime.Diagnostics;
using MailMesh.Runtime.Invocation;
using MailMesh.Runtime.RabbitMq.Internal;
using MailMesh.Runtime.Storage;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace MailMesh.Runtime.RabbitMq;

/// <summary>The callee's side: running delivered calls and one-way messages, replies, retries and dead-lettering.</summary>
public sealed partial class RabbitMqFabric
{
    private static readonly ConcurrentDictionary<Type, LocalInvoker> Invokers = new();

    private delegate Task<object?> LocalInvoker(Silo silo, GrainId grain, GrainRequest request, string? messageId);

    private Task OnDeliveryAsync(ShardState shard, BasicDeliverEventArgs delivery)
    {
        if (!shard.TryEnter(delivery.DeliveryTag))
        {
            return Task.CompletedTask; // held for the hand-over, then requeued
        }

        var properties = delivery.BasicProperties;
        if (properties.Type == CallBatch.Kind)
        {
            return OnCallBatchAsync(shard, delivery);
        }

        GrainId grain;
        GrainRequest request;
        try
        {
            (grain, request) = Decode(properties, delivery.Body.Span);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            _ = DeadLetterAndAckAsync(shard, delivery.DeliveryTag, CopyProperties(properties), delivery.Body.ToArray(), $"unreadable message: {e.Message}", e.GetType().FullName!);
            return Task.CompletedTask;
        }

        var copy = CopyProperties(properties);
        var body = properties.Type == MessageHeaders.OneWayKind ? delivery.Body.ToArray() : null;
        if (delivery.Redelivered && properties.MessageId is { } messageId && _messageLog is { } log)
        {
            // The broker gave this message to a silo before (which failed before acknowledging it): run it only if
            // no state write of it committed. Awaited on the consumer's dispatch loop, so order is kept.
            return RunRedeliveredAsync(shard, delivery.DeliveryTag, copy, body, grain, request, messageId, log);
        }

        Run(shard, delivery.DeliveryTag, copy, body, grain, request);
        return Task.CompletedTask;
    }

    private void Run(ShardState shard, ulong deliveryTag, BasicProperties properties, byte[]? body, GrainId grain, GrainRequest request)
    {
        Task<object?> running;
        var parent = GrainTracing.Extract(properties.Headers as IReadOnlyDictionary<string, object?>);
        using (ActivitySource.StartActivity($"handle {request.Method.DisplayName}", ActivityKind.Server, parent))
        {
            // Started here, on the consumer's dispatch loop, so one grain's messages queue in delivery order.
            running = InvokerFor(request.GetType())(_silo!, grain, request, properties.MessageId);
        }

        _ = FinishAsync(shard, deliveryTag, properties, body, request, running);
        if (!running.IsCompletedSuccessfully)
        {
            _ = DropStaleActivationAsync(grain, running);
        }
    }

    /// <summary>A turn that failed on its state (a stale ETag: another writer got there first; or a write whose outcome
    /// is unknown) leaves an activation whose in-memory state no longer matches the store: deactivate it, so the next
    /// message reads the stored state again instead of failing on the same stale ETag.</summary>
    private async Task DropStaleActivationAsync(GrainId grain, Task<object?> running)
    {
        try
        {
            await running.ConfigureAwait(false);
        }
        catch (Exception e) when (e is InconsistentStateException or StorageException)
        {
            try
            {
                FabricLog.StaleActivationDropped(_logger, grain.ToString(), e.GetType().Name);
                await _silo!.DeactivateAsync(g => g == grain, $"its state failed: {e.Message}").ConfigureAwait(false);
            }
            catch (Exception d) when (d is InvalidOperationException or ObjectDisposedException or OperationCanceledException)
            {
                FabricLog.StaleActivationDropFailed(_logger, grain.ToString(), d);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Any other failure is the call's own answer; FinishAsync sends it.
            return;
        }
    }

    private async Task RunRedeliveredAsync(ShardState shard, ulong deliveryTag, BasicProperties properties, byte[]? body, GrainId grain, GrainRequest request, string messageId, IGrainMessageLog log)
    {
        bool applied;
        try
        {
            applied = await log.WasAppliedAsync(grain, messageId).ConfigureAwait(false);
        }
        catch (StorageException e)
        {
            // Unknown whether it ran: answer with the store's error (a one-way message is retried) rather than risk
            // running it twice.
            _ = FinishAsync(shard, deliveryTag, properties, body, request, Task.FromException<object?>(e));
            return;
        }

        if (!applied)
        {
            Run(shard, deliveryTag, properties, body, grain, request);
            return;
        }

        FabricLog.DuplicateDropped(_logger, messageId, grain.ToString(), shard.Number);
        if (properties.Type == MessageHeaders.CallKind)
        {
            _ = FinishAsync(shard, deliveryTag, properties, body: null, request,
                Task.FromException<object?>(new MessageAlreadyAppliedException(grain, request.Method.Name, messageId)));
        }
        else
        {
            _ = FinishAsync(shard, deliveryTag, properties, body: null, request, Task.FromResult<object?>(null));
        }
    }

    private (GrainId Grain, GrainRequest Request) Decode(IReadOnlyBasicProperties properties, ReadOnlySpan<byte> body)
    {
        var type = MessageHeaders.String(properties.Headers, MessageHeaders.GrainType) ?? throw new FormatException($"the header {MessageHeaders.GrainType} is missing");
        var key = MessageHeaders.String(properties.Headers, MessageHeaders.GrainKey) ?? throw new FormatException($"the header {MessageHeaders.GrainKey} is missing");
        var methodId = MessageHeaders.Number(properties.Headers, MessageHeaders.Method) ?? throw new FormatException($"the header {MessageHeaders.Method} is missing");
        return Resolve(type, key, (int)methodId, body);
    }

    private (GrainId Grain, GrainRequest Request) Resolve(string type, string key, int methodId, ReadOnlySpan<byte> arguments)
    {
        var descriptor = GrainInterfaceRegistry.Find(type) ?? FindInLoadedAssemblies(type)
            ?? throw new InvalidOperationException($"the grain type '{type}' is unknown to this silo");
        var method = descriptor.FindMethod(methodId) ?? throw new InvalidOperationException($"{type} has no method with id {methodId} on this silo (different versions?)");
        var request = method.CreateRequest();
        _codec!.DecodeArguments(arguments, request);
        return (GrainId.Create(type, key), request);
    }

    private async Task FinishAsync(ShardState shard, ulong deliveryTag, BasicProperties properties, byte[]? body, GrainRequest request, Task<object?> running)
    {
        try
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

            if (properties.Type == MessageHeaders.CallKind && properties.ReplyTo is { } replyTo)
            {
                await ReplyAsync(replyTo, properties.CorrelationId, request, result, error).ConfigureAwait(false);
            }
            else if (error is not null && body is not null)
            {
                await RetryOrDeadLetterAsync(shard, properties, body, error).ConfigureAwait(false);
            }

            await _consumeChannel!.BasicAckAsync(deliveryTag, multiple: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException or ObjectDisposedException or RabbitMQ.Client.Exceptions.PublishException)
        {
            FabricLog.FinishFailed(_logger, deliveryTag, shard.Number, e);
        }
        finally
        {
            shard.Exit();
        }
    }

    private async Task ReplyAsync(string replyTo, string? correlationId, GrainRequest request, object? result, Exception? error)
    {
        var reply = new BasicProperties { CorrelationId = correlationId, ContentType = "application/json" };
        byte[] body;
        if (error is null)
        {
            reply.Type = MessageHeaders.ReplyKind;
            try
            {
                body = _codec!.EncodeResult(result, ResultType(request.GetType()));
            }
            catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException)
            {
                error = new InvalidOperationException($"The result of {request.Method} cannot be sent back to the caller: {e.Message}", e);
                body = [];
            }
        }
        else
        {
            body = [];
        }

        if (error is not null)
        {
            reply.Type = MessageHeaders.ErrorKind;
            reply.Headers = new Dictionary<string, object?>
            {
                [MessageHeaders.ErrorType] = RemoteErrors.TypeName(error),
                [MessageHeaders.ErrorMessage] = error.Message,
                [MessageHeaders.ErrorStack] = error.StackTrace,
            };
            body = RemoteErrors.EncodeProperties(error, _codec!.Options);
        }

        await _replyChannel!.BasicPublishAsync(string.Empty, replyTo, mandatory: false, reply, body).ConfigureAwait(false);
    }

    private async Task RetryOrDeadLetterAsync(ShardState shard, BasicProperties properties, byte[] body, Exception error)
    {
        var attempt = MessageHeaders.Number(properties.Headers, MessageHeaders.Attempt) ?? 1;
        if (attempt < _options.MaxDeliveryAttempts)
        {
            properties.Headers![MessageHeaders.Attempt] = attempt + 1;
            await _publishChannel!.BasicPublishAsync(string.Empty, shard.Queue, mandatory: false, properties, body).ConfigureAwait(false);
            return;
        }

        await PublishDeadLetterAsync(shard, properties, body, $"{error.GetType().FullName}: {error.Message}", error.GetType().FullName!, attempt).ConfigureAwait(false);
    }

    private async Task DeadLetterAndAckAsync(ShardState shard, ulong deliveryTag, BasicProperties properties, byte[] body, string error, string errorType)
    {
        try
        {
            await PublishDeadLetterAsync(shard, properties, body, error, errorType, MessageHeaders.Number(properties.Headers, MessageHeaders.Attempt) ?? 1).ConfigureAwait(false);
            await _consumeChannel!.BasicAckAsync(deliveryTag, multiple: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException or ObjectDisposedException or RabbitMQ.Client.Exceptions.PublishException)
        {
            FabricLog.FinishFailed(_logger, deliveryTag, shard.Number, e);
        }
        finally
        {
            shard.Exit();
        }
    }

    private async Task PublishDeadLetterAsync(ShardState shard, BasicProperties properties, byte[] body, string error, string errorType, long attempts)
    {
        properties.Headers ??= new Dictionary<string, object?>();
        properties.Headers[MessageHeaders.ErrorMessage] = error;
        properties.Headers[MessageHeaders.ErrorType] = errorType;
        properties.Headers[MessageHeaders.Attempt] = attempts;
        properties.Headers[MessageHeaders.OriginalQueue] = shard.Queue;
        properties.DeliveryMode = DeliveryModes.Persistent;
        properties.Expiration = null;
        await _publishChannel!.BasicPublishAsync(string.Empty, DeadLetterQueue, mandatory: false, properties, body).ConfigureAwait(false);
        FabricLog.DeadLettered(_logger, properties.MessageId, shard.Queue, attempts, error);
    }

    private static BasicProperties CopyProperties(IReadOnlyBasicProperties source) => new(source)
    {
        Headers = source.Headers is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(source.Headers),
    };

    /// <summary>A grain interface registers its descriptor when its assembly's module initializer runs, which may not
    /// have happened yet in this process when the first call for it arrives from another silo.</summary>
    private static GrainInterfaceDescriptor? FindInLoadedAssemblies(string grainType)
    {
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (!assembly.IsDynamic && assembly.GetType(grainType, throwOnError: false) is { } interfaceType)
            {
                return GrainInterfaceRegistry.Find(interfaceType);
            }
        }

        return null;
    }

    private static LocalInvoker InvokerFor(Type requestType) => Invokers.GetOrAdd(requestType, static type =>
        typeof(RabbitMqFabric).GetMethod(nameof(InvokeTypedAsync), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(ResultType(type)).CreateDelegate<LocalInvoker>());

    private static Type ResultType(Type requestType)
    {
        for (var type = requestType; type is not null; type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(GrainRequest<>))
            {
                return type.GetGenericArguments()[0];
            }
        }

        throw new NotSupportedException($"{requestType} is not a GrainRequest<T>.");
    }

    private static async Task<object?> InvokeTypedAsync<TResult>(Silo silo, GrainId grain, GrainRequest request, string? messageId) =>
        await silo.InvokeLocalAsync(grain, (GrainRequest<TResult>)request, messageId).ConfigureAwait(false);
}

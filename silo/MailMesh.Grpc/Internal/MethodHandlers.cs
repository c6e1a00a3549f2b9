using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace MailMesh.Grpc.Internal;

/// <summary>One mapped method: its descriptor and how to run a call of it.</summary>
internal abstract class GrpcMethodHandler
{
    protected GrpcMethodHandler(MethodDescriptor method)
    {
        Method = method;
        Path = $"/{method.Service.FullName}/{method.Name}";
    }

    public MethodDescriptor Method { get; }

    public string Path { get; }

    public abstract Task InvokeAsync(GrpcCall call);
}

internal abstract class GrpcMethodHandler<TRequest, TResponse> : GrpcMethodHandler
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected GrpcMethodHandler(MethodDescriptor method)
        : base(method)
    {
        Parser = (MessageParser<TRequest>)method.InputType.Parser;
        RequestTypeName = method.InputType.FullName;
    }

    protected MessageParser<TRequest> Parser { get; }

    protected string RequestTypeName { get; }

    protected static TResponse NotNull(TResponse? response, GrpcCall call) =>
        response ?? throw new InvalidOperationException($"The handler of {call.MethodPath} returned a null response.");
}

internal sealed class UnaryHandler<TRequest, TResponse>(MethodDescriptor method, UnaryServerMethod<TRequest, TResponse> handler)
    : GrpcMethodHandler<TRequest, TResponse>(method)
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public override async Task InvokeAsync(GrpcCall call)
    {
        var request = await call.ReadSingleMessageAsync(Parser, RequestTypeName, call.CallCancelled).ConfigureAwait(false);
        var response = await handler(request, call.Context).ConfigureAwait(false);
        await call.WriteMessageAsync(NotNull(response, call), flush: false, call.CallCancelled).ConfigureAwait(false);
    }
}

internal sealed class ServerStreamingHandler<TRequest, TResponse>(
    MethodDescriptor method, ServerStreamingServerMethod<TRequest, TResponse> handler)
    : GrpcMethodHandler<TRequest, TResponse>(method)
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public override async Task InvokeAsync(GrpcCall call)
    {
        var request = await call.ReadSingleMessageAsync(Parser, RequestTypeName, call.CallCancelled).ConfigureAwait(false);
        await handler(request, new ResponseStreamWriter<TResponse>(call), call.Context).ConfigureAwait(false);
    }
}

internal sealed class ClientStreamingHandler<TRequest, TResponse>(
    MethodDescriptor method, ClientStreamingServerMethod<TRequest, TResponse> handler)
    : GrpcMethodHandler<TRequest, TResponse>(method)
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public override async Task InvokeAsync(GrpcCall call)
    {
        var reader = new RequestStreamReader<TRequest>(call, Parser, RequestTypeName);
        var response = await handler(reader, call.Context).ConfigureAwait(false);
        await call.WriteMessageAsync(NotNull(response, call), flush: false, call.CallCancelled).ConfigureAwait(false);
    }
}

internal sealed class DuplexStreamingHandler<TRequest, TResponse>(
    MethodDescriptor method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
    : GrpcMethodHandler<TRequest, TResponse>(method)
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public override Task InvokeAsync(GrpcCall call) =>
        handler(new RequestStreamReader<TRequest>(call, Parser, RequestTypeName), new ResponseStreamWriter<TResponse>(call), call.Context);
}

internal sealed class ResponseStreamWriter<T>(GrpcCall call) : IServerStreamWriter<T>
    where T : class, IMessage<T>
{
    public Task WriteAsync(T message, CancellationToken cancellationToken = default)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            return call.WriteMessageAsync(message, flush: true, call.CallCancelled);
        }

        return WriteLinkedAsync(message, cancellationToken);
    }

    private async Task WriteLinkedAsync(T message, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CallCancelled);
        await call.WriteMessageAsync(message, flush: true, linked.Token).ConfigureAwait(false);
    }
}

internal sealed class RequestStreamReader<T>(GrpcCall call, MessageParser<T> parser, string typeName) : IAsyncStreamReader<T>
    where T : class, IMessage<T>
{
    private T? _current;

    public T Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true yet.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            _current = await call.ReadMessageAsync(parser, typeName, call.CallCancelled).ConfigureAwait(false);
        }
        else
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, call.CallCancelled);
            _current = await call.ReadMessageAsync(parser, typeName, linked.Token).ConfigureAwait(false);
        }

        return _current is not null;
    }
}

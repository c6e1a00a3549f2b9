using Google.Protobuf;
using Google.Protobuf.Reflection;
using MailMesh.Grpc.Internal;

namespace MailMesh.Grpc;

/// <summary>
/// Maps the methods of one protobuf service (from its generated descriptor) to handlers. Each
/// mapping is checked against the descriptor: the method must exist, have the same streaming
/// shape and use the same message types.
/// </summary>
public sealed class GrpcServiceBuilder
{
    private readonly List<GrpcMethodHandler> _handlers = [];

    internal GrpcServiceBuilder(ServiceDescriptor service)
    {
        Service = service;
    }

    /// <summary>The service being mapped.</summary>
    public ServiceDescriptor Service { get; }

    internal IReadOnlyList<GrpcMethodHandler> Handlers => _handlers;

    /// <summary>Maps a unary method.</summary>
    public GrpcServiceBuilder MapUnary<TRequest, TResponse>(string method, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        var descriptor = Resolve<TRequest, TResponse>(method, clientStreaming: false, serverStreaming: false);
        return Add(new UnaryHandler<TRequest, TResponse>(descriptor, handler));
    }

    /// <summary>Maps a server-streaming method.</summary>
    public GrpcServiceBuilder MapServerStreaming<TRequest, TResponse>(string method, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        var descriptor = Resolve<TRequest, TResponse>(method, clientStreaming: false, serverStreaming: true);
        return Add(new ServerStreamingHandler<TRequest, TResponse>(descriptor, handler));
    }

    /// <summary>Maps a client-streaming method.</summary>
    public GrpcServiceBuilder MapClientStreaming<TRequest, TResponse>(string method, ClientStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        var descriptor = Resolve<TRequest, TResponse>(method, clientStreaming: true, serverStreaming: false);
        return Add(new ClientStreamingHandler<TRequest, TResponse>(descriptor, handler));
    }

    /// <summary>Maps a bidirectional-streaming method.</summary>
    public GrpcServiceBuilder MapDuplexStreaming<TRequest, TResponse>(string method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(handler);
        var descriptor = Resolve<TRequest, TResponse>(method, clientStreaming: true, serverStreaming: true);
        return Add(new DuplexStreamingHandler<TRequest, TResponse>(descriptor, handler));
    }

    private GrpcServiceBuilder Add(GrpcMethodHandler handler)
    {
        if (_handlers.Any(h => h.Method == handler.Method))
        {
            throw new InvalidOperationException($"{handler.Path} is mapped twice.");
        }

        _handlers.Add(handler);
        return this;
    }

    private MethodDescriptor Resolve<TRequest, TResponse>(string method, bool clientStreaming, bool serverStreaming)
    {
        var descriptor = Service.FindMethodByName(method)
            ?? throw new ArgumentException(
                $"Service {Service.FullName} has no method '{method}'; it has: {string.Join(", ", Service.Methods.Select(m => m.Name))}.",
                nameof(method));
        if (descriptor.IsClientStreaming != clientStreaming || descriptor.IsServerStreaming != serverStreaming)
        {
            throw new ArgumentException(
                $"{Service.FullName}.{method} is {Shape(descriptor.IsClientStreaming, descriptor.IsServerStreaming)} but was mapped as {Shape(clientStreaming, serverStreaming)}.",
                nameof(method));
        }

        if (descriptor.InputType.ClrType != typeof(TRequest) || descriptor.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException(
                $"{Service.FullName}.{method} takes {descriptor.InputType.FullName} and returns {descriptor.OutputType.FullName}, " +
                $"but the handler uses {typeof(TRequest).Name} and {typeof(TResponse).Name}.",
                nameof(method));
        }

        return descriptor;
    }

    private static string Shape(bool client, bool server) => (client, server) switch
    {
        (false, false) => "unary",
        (false, true) => "server-streaming",
        (true, false) => "client-streaming",
        _ => "bidirectional-streaming",
    };
}

using System.Collections.Concurrent;
using Google.Protobuf;
using MailMesh.Grpc.Tests.Protos;

namespace MailMesh.Grpc.Tests.Infrastructure;

/// <summary>The test service's handlers; they report what they observed through <see cref="Observations"/>.</summary>
public sealed class EchoService
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _cancellations = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new();

    /// <summary>Completes when the handler for <paramref name="text"/> saw its token cancelled.</summary>
    public Task CancellationObserved(string text) => Get(_cancellations, text).Task;

    /// <summary>Completes when the handler for <paramref name="text"/> started.</summary>
    public Task Started(string text) => Get(_started, text).Task;

    public void Map(GrpcServiceBuilder builder) => builder
        .MapUnary<EchoRequest, EchoReply>("Unary", UnaryAsync)
        .MapServerStreaming<EchoRequest, EchoReply>("ServerStream", ServerStreamAsync)
        .MapClientStreaming<EchoRequest, EchoReply>("ClientStream", ClientStreamAsync)
        .MapDuplexStreaming<EchoRequest, EchoReply>("Bidi", BidiAsync);

    private async Task<EchoReply> UnaryAsync(EchoRequest request, ServerCallContext context)
    {
        Get(_started, request.Text).TrySetResult();
        ChooseCompression(request, context);
        await Behave(request, context);
        foreach (var entry in context.RequestHeaders)
        {
            if (entry.Key.StartsWith("x-echo", StringComparison.Ordinal))
            {
                if (entry.IsBinary)
                {
                    context.ResponseHeaders.Add("x-reply-bin", entry.ValueBytes!);
                    context.ResponseTrailers.Add("x-trailer-bin", entry.ValueBytes!);
                }
                else
                {
                    context.ResponseHeaders.Add("x-reply", entry.Value!);
                    context.ResponseTrailers.Add("x-trailer", entry.Value!);
                }
            }
        }

        return Reply(request, 0, context);
    }

    private async Task ServerStreamAsync(EchoRequest request, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        Get(_started, request.Text).TrySetResult();
        ChooseCompression(request, context);
        for (var i = 0; i < request.Count; i++)
        {
            await responses.WriteAsync(Reply(request, i, context), context.CancellationToken);
        }

        await Behave(request, context);
    }

    private async Task<EchoReply> ClientStreamAsync(IAsyncStreamReader<EchoRequest> requests, ServerCallContext context)
    {
        var texts = new List<string>();
        await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
        {
            Get(_started, request.Text).TrySetResult();
            texts.Add(request.Text);
        }

        return new EchoReply { Text = string.Join(',', texts), Index = texts.Count };
    }

    private async Task BidiAsync(IAsyncStreamReader<EchoRequest> requests, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        var index = 0;
        while (await requests.MoveNext(context.CancellationToken))
        {
            await Behave(requests.Current, context);
            await responses.WriteAsync(Reply(requests.Current, index++, context), context.CancellationToken);
        }
    }

    private static void ChooseCompression(EchoRequest request, ServerCallContext context)
    {
        if (request.ResponseCompression.Length > 0)
        {
            context.ResponseCompressionAlgorithm = request.ResponseCompression == "none" ? null : request.ResponseCompression;
        }
    }

    private async Task Behave(EchoRequest request, ServerCallContext context)
    {
        if (request.FailWithStatus != 0)
        {
            throw new RpcException((StatusCode)request.FailWithStatus, request.FailMessage);
        }

        if (request.InvalidField.Length > 0)
        {
            throw new InvalidArgumentException(request.InvalidField, "must not be empty");
        }

        if (request.ThrowUnexpected)
        {
            throw new InvalidOperationException("secret internal detail: connection string Password=hunter2");
        }

        if (request.WaitForCancellation)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                Get(_cancellations, request.Text).TrySetResult();
                throw;
            }
        }

        if (request.IgnoreCancellation)
        {
            context.CancellationToken.Register(() => Get(_cancellations, request.Text).TrySetResult());
            await Get(_cancellations, request.Text).Task;

            // Still ignoring it: keep "working" a little past the cancellation, then try to answer.
            await Task.Yield();
        }
    }

    private static EchoReply Reply(EchoRequest request, int index, ServerCallContext context)
    {
        var reply = new EchoReply { Text = request.Text, Index = index };
        if (request.ResponsePadding > 0)
        {
            reply.Padding = ByteString.CopyFrom(new byte[request.ResponsePadding]);
        }

        foreach (var entry in context.RequestHeaders)
        {
            reply.Metadata.Add(entry.IsBinary ? $"{entry.Key}={Convert.ToHexString(entry.ValueBytes!)}" : $"{entry.Key}={entry.Value}");
        }

        return reply;
    }

    private static TaskCompletionSource Get(ConcurrentDictionary<string, TaskCompletionSource> map, string key) =>
        map.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}

using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using MailMesh.Client.Internal;
using MailMesh.Grpc.Internal;

namespace MailMesh.Client;

/// <summary>
/// A connection to a gRPC server over HttpClient HTTP/2 (<c>http://</c> is h2c with prior
/// knowledge, <c>https://</c> negotiates h2 with ALPN). Thread-safe; create one per server and reuse it.
/// </summary>
public sealed partial class GrpcChannel : IDisposable
{
    private readonly HttpClient _http;
    private readonly GrpcChannelOptions _options;
    private readonly Random _jitter = new();

    /// <summary>Creates a channel to <paramref name="address"/>.</summary>
    public GrpcChannel(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"The address '{address}' must start with http:// (h2c) or https://.", nameof(address));
        }

        _options = options ?? new GrpcChannelOptions();
        Address = address;
        var handler = _options.HttpHandler ?? CreateHandler(_options);
        _http = new HttpClient(handler, disposeHandler: _options.HttpHandler is null)
        {
            BaseAddress = address,
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>The server address.</summary>
    public Uri Address { get; }

    /// <summary>Makes a unary call.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(
        MethodDescriptor method, TRequest request, CallOptions? options = null, CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        options ??= new CallOptions();
        var body = Frame(request);
        var parser = (MessageParser<TResponse>)method.OutputType.Parser;
        using var deadline = Deadline(options, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await SendAsync(method, body, options, deadline).ConfigureAwait(false);
                await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
                var reader = new ResponseReader(response, stream, _options.MaxReceiveMessageSize);
                var message = await reader.ReadAsync(parser, deadline, this).ConfigureAwait(false);
                if (message is null)
                {
                    throw new MailMeshRpcException(StatusCode.Internal, $"{method.FullName} ended OK without a response message");
                }

                if (await reader.ReadAsync(parser, deadline, this).ConfigureAwait(false) is not null)
                {
                    throw new MailMeshRpcException(StatusCode.Internal, $"{method.FullName} sent more than one response message");
                }

                return message;
            }
            catch (MailMeshRpcException e)
            {
                if (!await ShouldRetryAsync(e, options, attempt, deadline).ConfigureAwait(false))
                {
                    throw;
                }
            }
        }
    }

    /// <summary>Makes a server-streaming call; the messages arrive as they are sent. A failed status is thrown while enumerating.</summary>
    public async IAsyncEnumerable<TResponse> ServerStreamingAsync<TRequest, TResponse>(
        MethodDescriptor method, TRequest request, CallOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        options ??= new CallOptions();
        var body = Frame(request);
        var parser = (MessageParser<TResponse>)method.OutputType.Parser;
        using var deadline = Deadline(options, cancellationToken);
        HttpResponseMessage? response = null;
        ResponseReader? reader = null;
        TResponse? first = default;
        try
        {
            // Retries (opt-in) only until the first message arrives: after that the caller has seen data.
            for (var attempt = 1; reader is null; attempt++)
            {
                try
                {
                    response = await SendAsync(method, body, options, deadline).ConfigureAwait(false);
                    var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false);
                    var candidate = new ResponseReader(response, stream, _options.MaxReceiveMessageSize);
                    first = await candidate.ReadAsync(parser, deadline, this).ConfigureAwait(false);
                    reader = candidate;
                }
                catch (MailMeshRpcException e)
                {
                    response?.Dispose();
                    response = null;
                    if (!await ShouldRetryAsync(e, options, attempt, deadline).ConfigureAwait(false))
                    {
                        throw;
                    }
                }
            }

            if (first is null)
            {
                yield break;
            }

            yield return first;
            while (await reader.ReadAsync(parser, deadline, this).ConfigureAwait(false) is { } next)
            {
                yield return next;
            }
        }
        finally
        {
            response?.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private static SocketsHttpHandler CreateHandler(GrpcChannelOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        if (options.DangerousAcceptAnyServerCertificate)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }

        return handler;
    }

    private static byte[] Frame(IMessage message)
    {
        var size = message.CalculateSize();
        var frame = new byte[5 + size];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)size);
        message.WriteTo(frame.AsSpan(5));
        return frame;
    }

    private CallDeadline Deadline(CallOptions options, CancellationToken cancellationToken) =>
        new(options.Timeout ?? _options.DefaultTimeout, _options.TimeProvider, cancellationToken);

    private async Task<HttpResponseMessage> SendAsync(MethodDescriptor method, byte[] body, CallOptions options, CallDeadline deadline)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        // Not disposed here: with HTTP/2 the body may still be sending when the response headers arrive.
        var request = new HttpRequestMessage(HttpMethod.Post, $"/{method.Service.FullName}/{method.Name}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TE.ParseAdd("trailers");
        request.Headers.TryAddWithoutValidation("user-agent", "mailmesh-dotnet/1.0");
        request.Headers.TryAddWithoutValidation("grpc-accept-encoding", MessageCompression.AcceptEncoding);
        if (deadline.Remaining() is { } remaining)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", GrpcTimeout.Format(remaining));
        }

        if (_options.ApiKey is { Length: > 0 } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        if (options.Headers is not null)
        {
            foreach (var (k, v) in options.Headers)
            {
                request.Headers.TryAddWithoutValidation(k, v);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not MailMeshRpcException)
        {
            throw Translate(e, deadline);
        }

        try
        {
            ResponseReader.CheckHeaders(response);
        }
        catch
        {
            response.Dispose();
            throw;
        }

        return response;
    }

    /// <summary>Turns a transport failure into the status the caller sees; caller cancellation stays an OperationCanceledException.</summary>
    internal static Exception Translate(Exception e, CallDeadline deadline)
    {
        if (deadline.Expired)
        {
            return new MailMeshRpcException(StatusCode.DeadlineExceeded, "the call's deadline expired", innerException: e);
        }

        if (deadline.CallerCancelled)
        {
            return new OperationCanceledException("The call was cancelled by the caller.", e, deadline.CallerToken);
        }

        return e switch
        {
            HttpRequestException or IOException or HttpProtocolException =>
                new MailMeshRpcException(StatusCode.Unavailable, $"connection failed: {e.Message}", innerException: e),
            OperationCanceledException => new MailMeshRpcException(StatusCode.Cancelled, "the call was cancelled", innerException: e),
            _ => new MailMeshRpcException(StatusCode.Internal, $"unexpected client failure: {e.Message}", innerException: e),
        };
    }

    private async Task<bool> ShouldRetryAsync(MailMeshRpcException e, CallOptions options, int attempt, CallDeadline deadline)
    {
        if (options.Retry is not { } retry || !e.IsTransient || attempt >= Math.Clamp(retry.MaxAttempts, 1, 10))
        {
            return false;
        }

        TimeSpan backoff;
        lock (_jitter)
        {
            backoff = retry.Backoff(attempt - 1, _jitter);
        }

        if (deadline.Remaining() is { } remaining && remaining <= backoff)
        {
            return false;
        }

        try
        {
            await Task.Delay(backoff, _options.TimeProvider, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException oce)
        {
            throw Translate(oce, deadline);
        }

        return true;
    }
}

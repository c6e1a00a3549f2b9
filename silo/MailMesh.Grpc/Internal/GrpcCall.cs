using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace MailMesh.Grpc.Internal;

/// <summary>
/// The server side of one gRPC call: headers, deadline, message reading and writing, and the
/// final status (trailers, or trailers-only when nothing was sent yet).
/// </summary>
internal sealed partial class GrpcCall : IDisposable
{
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource _deadlineReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource? _deadlineCts;
    private CancellationTokenSource? _callCts;
    private CancellationTokenRegistration _deadlineRegistration;
    private TimeSpan? _timeout;
    private string? _requestEncoding;
    private string? _clientAcceptEncoding;
    private string? _responseCompression;
    private string? _responseEncoding;
    private bool _headersSent;
    private bool _completed;
    private bool _clientGone;

    public GrpcCall(HttpContext httpContext, string method, GrpcServerOptions options, ILogger logger, TimeProvider timeProvider)
    {
        HttpContext = httpContext;
        MethodPath = method;
        _options = options;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    public HttpContext HttpContext { get; }

    public string MethodPath { get; }

    public ServerCallContext Context { get; private set; } = null!;

    public CancellationToken CallCancelled => _callCts?.Token ?? HttpContext.RequestAborted;

    /// <summary>The status the call ended with; null until it has.</summary>
    public StatusCode? FinalStatus { get; private set; }

    private bool DeadlineExceeded => _deadlineCts?.IsCancellationRequested == true;

    /// <summary>Runs the whole call; never throws.</summary>
    public async Task RunAsync(Func<GrpcCall, Task> invoke)
    {
        try
        {
            Initialize();
        }
        catch (RpcException e)
        {
            Log.CallFailed(_logger, MethodPath, e.StatusCode, e.Detail);
            await CompleteAsync(e.StatusCode, e.Detail, e.Trailers).ConfigureAwait(false);
            return;
        }

        if (_timeout is { } t && t <= TimeSpan.Zero)
        {
            Log.DeadlineExceeded(_logger, MethodPath, t);
            await CompleteAsync(StatusCode.DeadlineExceeded, "Deadline Exceeded", null).ConfigureAwait(false);
            return;
        }

        Task handler;
        try
        {
            handler = invoke(this);
        }
        catch (Exception e)
        {
            handler = Task.FromException(e);
        }

        if (_deadlineCts is not null && !handler.IsCompleted)
        {
            var first = await Task.WhenAny(handler, _deadlineReached.Task).ConfigureAwait(false);
            if (first != handler && !handler.IsCompleted)
            {
                // The handler's token is already cancelled; answer now so a handler that ignores
                // cancellation cannot hold the client past its deadline.
                Log.DeadlineExceeded(_logger, MethodPath, _timeout!.Value);
                await CompleteAsync(StatusCode.DeadlineExceeded, "Deadline Exceeded", null).ConfigureAwait(false);
                await HttpContext.Response.CompleteAsync().ConfigureAwait(false);
                try
                {
                    await handler.ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    Log.HandlerFailedAfterCompletion(_logger, MethodPath, e);
                }

                return;
            }
        }

        try
        {
            await handler.ConfigureAwait(false);
            await CompleteAsync(StatusCode.OK, null, null).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await FailAsync(e).ConfigureAwait(false);
        }
    }

    private void Initialize()
    {
        var request = HttpContext.Request;

        // Streams may be long-lived and idle: Kestrel's body rate and size limits do not apply to gRPC.
        if (HttpContext.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }

        if (HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }

        string? timeoutHeader = request.Headers[GrpcHeaders.Timeout];
        DateTimeOffset? deadline = null;
        if (timeoutHeader is not null)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var timeout))
            {
                throw new RpcException(StatusCode.Internal,
                    $"malformed grpc-timeout header '{timeoutHeader}': expected 1-8 digits and a unit H, M, S, m, u or n");
            }

            _timeout = timeout;

            // CancellationTokenSource cannot wait longer than ~49 days; such a deadline is no deadline.
            if (timeout < TimeSpan.FromDays(30))
            {
                deadline = _timeProvider.GetUtcNow() + timeout;
                _deadlineCts = new CancellationTokenSource(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero, _timeProvider);
                _deadlineRegistration = _deadlineCts.Token.UnsafeRegister(
                    static state => ((TaskCompletionSource)state!).TrySetResult(), _deadlineReached);
                _callCts = CancellationTokenSource.CreateLinkedTokenSource(HttpContext.RequestAborted, _deadlineCts.Token);
            }
        }

        string? encoding = request.Headers[GrpcHeaders.Encoding];
        if (encoding is not null && encoding != MessageCompression.Identity)
        {
            if (!MessageCompression.IsSupported(encoding))
            {
                var trailers = new Metadata().Add(GrpcHeaders.AcceptEncoding, MessageCompression.AcceptEncoding);
                throw new RpcException(StatusCode.Unimplemented,
                    $"grpc-encoding '{encoding}' is not supported; supported: {MessageCompression.AcceptEncoding}", trailers);
            }

            _requestEncoding = encoding;
        }

        _clientAcceptEncoding = request.Headers[GrpcHeaders.AcceptEncoding];
        _responseCompression = _options.ResponseCompressionAlgorithm;
        Context = new ServerCallContext(this, MethodPath, GrpcHeaders.ReadRequestMetadata(request.Headers), deadline);
    }

    /// <summary>The encoding the handler wants for responses (null: none); fixed once the headers are sent.</summary>
    public string? ResponseCompressionAlgorithm
    {
        get => _responseCompression;
        set
        {
            if (value is not null && value != MessageCompression.Identity && !MessageCompression.IsCompression(value))
            {
                throw new ArgumentException(
                    $"'{value}' is not a response compression this server supports; use gzip, deflate or null for none.", nameof(value));
            }

            if (_headersSent || _completed)
            {
                throw new InvalidOperationException(
                    "The response compression must be chosen before the first response message or WriteResponseHeadersAsync.");
            }

            _responseCompression = value == MessageCompression.Identity ? null : value;
        }
    }

    private async Task FailAsync(Exception e)
    {
        if (HttpContext.RequestAborted.IsCancellationRequested || _clientGone)
        {
            // The client reset the stream or went away: there is nobody to tell.
            Log.CancelledByClient(_logger, MethodPath);
            return;
        }

        if (e is RpcException rpc)
        {
            Log.CallFailed(_logger, MethodPath, rpc.StatusCode, rpc.Detail);
            await CompleteAsync(rpc.StatusCode, rpc.Detail, rpc.Trailers).ConfigureAwait(false);
        }
        else if (e is OperationCanceledException && DeadlineExceeded)
        {
            Log.DeadlineExceeded(_logger, MethodPath, _timeout!.Value);
            await CompleteAsync(StatusCode.DeadlineExceeded, "Deadline Exceeded", null).ConfigureAwait(false);
        }
        else
        {
            Log.HandlerFailed(_logger, MethodPath, e);
            await CompleteAsync(StatusCode.Internal, "Exception was thrown by the handler.", null).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the final status: as trailers, or trailers-only when no header was sent.</summary>
    private async Task CompleteAsync(StatusCode status, string? detail, Metadata? extraTrailers)
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            FinalStatus = status;
            var response = HttpContext.Response;
            var code = ((int)status).ToString(CultureInfo.InvariantCulture);
            if (!_headersSent && !response.HasStarted)
            {
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = GrpcHeaders.ContentType;
                var headers = response.Headers;
                headers[GrpcHeaders.AcceptEncoding] = MessageCompression.AcceptEncoding;
                headers[GrpcHeaders.Status] = code;
                if (!string.IsNullOrEmpty(detail))
                {
                    headers[GrpcHeaders.Message] = PercentEncoding.Encode(detail);
                }

                if (Context is not null)
                {
                    GrpcHeaders.Write(headers, Context.ResponseHeaders);
                    GrpcHeaders.Write(headers, Context.ResponseTrailers);
                }

                if (extraTrailers is not null)
                {
                    GrpcHeaders.Write(headers, extraTrailers);
                }

                return;
            }

            response.AppendTrailer(GrpcHeaders.Status, code);
            if (!string.IsNullOrEmpty(detail))
            {
                response.AppendTrailer(GrpcHeaders.Message, PercentEncoding.Encode(detail));
            }

            GrpcHeaders.WriteTrailers(response, Context.ResponseTrailers);
            if (extraTrailers is not null)
            {
                GrpcHeaders.WriteTrailers(response, extraTrailers);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Dispose()
    {
        _deadlineRegistration.Dispose();
        _callCts?.Dispose();
        _deadlineCts?.Dispose();
        _writeLock.Dispose();
    }
}

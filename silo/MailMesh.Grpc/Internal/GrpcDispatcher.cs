using MailMesh.Grpc.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailMesh.Grpc.Internal;

/// <summary>Entry point of every gRPC request: checks the protocol, then runs the call.</summary>
internal sealed class GrpcDispatcher
{
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    public GrpcDispatcher(IOptions<GrpcServerOptions> options, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null)
    {
        _options = options.Value;
        _logger = loggerFactory.CreateLogger("MailMesh.Grpc");
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    public Task HandleAsync(HttpContext context, GrpcMethodHandler handler) =>
        RunAsync(context, handler.Path, handler.InvokeAsync, known: true);

    public Task HandleUnknownAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        Log.UnknownMethod(_logger, path);
        return RunAsync(context, path, static call =>
        {
            var slash = call.MethodPath.LastIndexOf('/');
            var service = slash > 0 ? call.MethodPath[1..slash] : call.MethodPath;
            var method = slash >= 0 ? call.MethodPath[(slash + 1)..] : string.Empty;
            throw new RpcException(StatusCode.Unimplemented, $"method '{method}' of service '{service}' is not implemented here");
        }, known: false);
    }

    private async Task RunAsync(HttpContext context, string path, Func<GrpcCall, Task> invoke, bool known)
    {
        if (!HttpProtocol.IsHttp2(context.Request.Protocol) && !HttpProtocol.IsHttp3(context.Request.Protocol))
        {
            Log.NotGrpc(_logger, path, $"protocol {context.Request.Protocol}");
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            context.Response.Headers.Upgrade = "h2c";
            return;
        }

        if (!GrpcHeaders.IsGrpcContentType(context.Request.ContentType))
        {
            Log.NotGrpc(_logger, path, $"content-type '{context.Request.ContentType}'");
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        using var call = new GrpcCall(context, path, _options, _logger, _timeProvider);
        if (!GrpcDiagnostics.IsEnabled)
        {
            await call.RunAsync(invoke).ConfigureAwait(false);
            return;
        }

        // Unknown paths come from clients: one label value for all of them keeps the metric's cardinality bounded.
        var slash = path.LastIndexOf('/');
        var (service, method) = known && slash > 0 ? (path[1..slash], path[(slash + 1)..]) : ("unknown", "unknown");
        var activity = GrpcDiagnostics.Start(service, method, out var startedAt);
        try
        {
            await call.RunAsync(invoke).ConfigureAwait(false);
        }
        finally
        {
            GrpcDiagnostics.Stop(service, method, call.FinalStatus ?? StatusCode.Unknown, activity, startedAt);
        }
    }
}

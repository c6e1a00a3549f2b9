using MailMesh.Campaigns.Links;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace MailMesh.Engagement.Tracking;

/// <summary>Extra routes served by the tracking listener (e.g. the provider bounce webhook): register with
/// <c>services.AddTrackingRoutes(endpoints => endpoints.MapBounceWebhook())</c>.</summary>
/// <param name="Map">Maps the routes.</param>
public sealed record TrackingRoutes(Action<IEndpointRouteBuilder> Map);

/// <summary>The tracking listener: a Kestrel server of its own (not the gRPC/metrics one), on
/// <see cref="TrackingListenerOptions.Listen"/>, with small request limits, serving <see cref="TrackingEndpoints"/> and any
/// <see cref="TrackingRoutes"/>. Its services come from the silo's container.</summary>
public sealed class TrackingServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TrackingServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The address it listens on (the real port when the configured one is 0).</summary>
    public Uri Address { get; }

    /// <summary>Starts the listener on <paramref name="url"/>.</summary>
    public static async Task<TrackingServer> StartAsync(IServiceProvider silo, string url, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(silo);
        // The content root is the binaries' directory and configuration files are never reloaded: the default (the working
        // directory, reloaded on change) watches the whole tree under the working directory, recursively, and the silo's
        // data directory is often in it, so every write to the stores woke a watcher thread (5 % of a campaign's CPU).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });

        // Only the URL below: the host's own settings (appsettings.json's Kestrel endpoints, ASPNETCORE_URLS) belong to
        // the silo's main server, and binding them here would take its gRPC port.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        builder.Services.Replace(ServiceDescriptor.Singleton(silo.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddRouting();
        builder.WebHost.UseUrls(url);
        // Requests run on the socket's I/O thread instead of a hop through the thread pool: opens and clicks answer from
        // memory without blocking, and every other route awaits its I/O, so nothing holds the I/O thread. Saves a queue
        // hand-off and a thread wake-up per request.
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 64 * 1024;
            k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            k.Limits.MaxRequestHeaderCount = 64;
            k.Limits.MaxRequestLineSize = 8 * 1024;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
        });
        var app = builder.Build();
        var endpoints = silo.GetRequiredService<TrackingEndpoints>();
        var logger = silo.GetRequiredService<ILogger<TrackingServer>>();
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away.
            }
            catch (BadHttpRequestException e)
            {
                await Fail(context, e.StatusCode, "Bad request.").ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A grain or store failure (or a bug): logged; the client is told to retry, never sent a 500 with details.
                TrackingLog.RequestFailed(logger, e, context.Request.Path.Value ?? "");
                context.Response.Headers.RetryAfter = "30";
                await Fail(context, StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable; try again shortly.").ConfigureAwait(false);
            }
        });
        // Opens and clicks, nearly all of the listener's traffic, are answered here without route matching; anything the
        // fast path does not take (other methods, odd paths) goes on to the routes below, which map the same endpoints.
        app.Use(next => context => ServeOpenOrClick(endpoints, context) ?? next(context));
        app.UseRouting();
        string[] read = [HttpMethods.Get, HttpMethods.Head];
        app.MapMethods(TrackingUrls.OpenRoute, read, endpoints.OpenAsync);
        app.MapMethods(TrackingUrls.ClickRoute, read, endpoints.ClickAsync);
        app.MapGet(TrackingUrls.UnsubscribeRoute, endpoints.UnsubscribePageAsync);
        app.MapPost(TrackingUrls.UnsubscribeRoute, endpoints.UnsubscribePostAsync);
        app.MapGet(TrackingUrls.FormRoute, endpoints.FormPageAsync);
        app.MapPost(TrackingUrls.FormRoute, endpoints.FormPostAsync);
        foreach (var routes in silo.GetServices<TrackingRoutes>())
        {
            routes.Map(app);
        }

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? url;
        TrackingLog.Listening(logger, bound);
        return new TrackingServer(app, new Uri(bound));
    }

    /// <summary>Stops taking connections and lets requests in flight finish (bounded by <paramref name="cancellationToken"/>).</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>Serves a GET or HEAD of <c>/o/{token}.gif</c> or <c>/c/{token}</c>; null for any other request.</summary>
    private static Task? ServeOpenOrClick(TrackingEndpoints endpoints, HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return null;
        }

        var path = request.Path.Value.AsSpan();
        if (path.StartsWith("/o/", StringComparison.Ordinal) && path.EndsWith(".gif", StringComparison.Ordinal))
        {
            var token = path[3..^4];
            return token.IsEmpty || token.Contains('/') ? null : endpoints.Open(context, token);
        }

        if (path.StartsWith("/c/", StringComparison.Ordinal))
        {
            var token = path[3..];
            return token.IsEmpty || token.Contains('/') ? null : endpoints.Click(context, token);
        }

        return null;
    }

    private static Task Fail(HttpContext context, int status, string text)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text + "\n");
    }
}

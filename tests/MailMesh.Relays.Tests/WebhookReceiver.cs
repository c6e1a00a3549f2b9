using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace MailMesh.Relays.Tests;

/// <summary>A real HTTP server on a loopback port that answers webhook POSTs as the test scripts it: each request takes
/// the next scripted behaviour (the last one repeats), and is recorded.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _script = new();
    private Func<HttpContext, Task> _last = Ok;
    private TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WebhookReceiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    public static Func<HttpContext, Task> Ok => c => { c.Response.StatusCode = 204; return Task.CompletedTask; };

    public static Func<HttpContext, Task> Status(int code, string? retryAfter = null) => c =>
    {
        c.Response.StatusCode = code;
        if (retryAfter is not null)
        {
            c.Response.Headers.RetryAfter = retryAfter;
        }

        return c.Response.WriteAsync("<html>garbage</html>");
    };

    public static Func<HttpContext, Task> Redirect(string location) => c =>
    {
        c.Response.StatusCode = 302;
        c.Response.Headers.Location = location;
        return Task.CompletedTask;
    };

    /// <summary>Never answers (until the sender gives up and aborts).</summary>
    public static Func<HttpContext, Task> Hang => async c =>
    {
        try
        {
            await Task.Delay(Timeout.Infinite, c.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The sender timed out: what the test wants.
        }
    };

    public static async Task<WebhookReceiver> StartAsync()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var builder = WebApplication.CreateSlimBuilder();
        // The test's output folder holds the silo's appsettings.json, whose Kestrel endpoints would win over UseUrls.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, new Uri($"http://127.0.0.1:{port}/hooks/mailmesh"));
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    public void Script(params Func<HttpContext, Task>[] behaviours)
    {
        foreach (var behaviour in behaviours)
        {
            _script.Enqueue(behaviour);
        }

        _last = behaviours[^1];
    }

    /// <summary>Waits until at least <paramref name="count"/> requests arrived.</summary>
    public async Task WaitForAsync(int count, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (Requests.Count < count)
        {
            var next = Volatile.Read(ref _received).Task;
            if (Requests.Count >= count)
            {
                break;
            }

            try
            {
                await next.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"waited 60 s for {what}: {count} webhook request(s), got {Requests.Count}");
            }
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var behaviour = _script.TryDequeue(out var next) ? next : _last;
        try
        {
            await behaviour(context);
        }
        finally
        {
            Requests.Enqueue(new ReceivedRequest(context.Request.Path, headers, body.ToArray(), DateTimeOffset.UtcNow));
            Interlocked.Exchange(ref _received, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset At);

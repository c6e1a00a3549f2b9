using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>An HTTP endpoint on a free loopback port that accepts webhook POSTs and counts them.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _received;

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public int Received => Volatile.Read(ref _received);

    /// <summary>Completes when the first delivery has arrived.</summary>
    public Task FirstDelivery => _first.Task;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(); // not the silo's appsettings.json copied beside the tests (its Kestrel endpoints)
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var receiver = new WebhookReceiver(builder.Build());
        receiver._app.MapPost("/hooks", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            await reader.ReadToEndAsync(context.RequestAborted);
            Interlocked.Increment(ref receiver._received);
            receiver._first.TrySetResult();
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        });
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(new Uri(address), "/hooks");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

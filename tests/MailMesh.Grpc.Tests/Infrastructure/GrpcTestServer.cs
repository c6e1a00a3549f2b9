using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MailMesh.Grpc.Tests.Protos;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailMesh.Grpc.Tests.Infrastructure;

/// <summary>A real Kestrel on 127.0.0.1 (port 0) serving the echo service, reflection and health over h2c or TLS.</summary>
public sealed class GrpcTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcTestServer(WebApplication app, Uri address, EchoService echo, LogCollector logs,
        ConcurrentDictionary<string, string> encodings, ConcurrentDictionary<string, string> requestEncodings)
    {
        _app = app;
        Address = address;
        Echo = echo;
        Logs = logs;
        ResponseEncodings = encodings;
        RequestEncodings = requestEncodings;
    }

    /// <summary>The request header whose value names a call in <see cref="ResponseEncodings"/>.</summary>
    public const string ProbeHeader = "x-probe";

    /// <summary>For each call that sent <see cref="ProbeHeader"/>: the grpc-encoding its response headers carried ("" for none).</summary>
    public ConcurrentDictionary<string, string> ResponseEncodings { get; }

    /// <summary>For each call that sent <see cref="ProbeHeader"/>: the grpc-encoding of its request ("" for none).</summary>
    public ConcurrentDictionary<string, string> RequestEncodings { get; }

    public Uri Address { get; }

    public EchoService Echo { get; }

    public LogCollector Logs { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<GrpcTestServer> StartAsync(Action<GrpcServerOptions>? configure = null, X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var logs = new LogCollector();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is null)
            {
                listen.Protocols = HttpProtocols.Http2;
            }
            else
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate);
            }
        }));
        builder.Services.AddGrpcServer(configure);
        var app = builder.Build();
        var encodings = new ConcurrentDictionary<string, string>();
        var requestEncodings = new ConcurrentDictionary<string, string>();
        app.Use((context, next) =>
        {
            // Records what went on the wire, for clients (such as grpc-js) that hide grpc-encoding.
            if (context.Request.Headers[ProbeHeader].ToString() is { Length: > 0 } probe)
            {
                requestEncodings[probe] = context.Request.Headers["grpc-encoding"].ToString();
                context.Response.OnStarting(() =>
                {
                    encodings[probe] = context.Response.Headers["grpc-encoding"].ToString();
                    return Task.CompletedTask;
                });
            }

            return next(context);
        });
        var echo = new EchoService();
        app.MapGrpcService(EchoReflection.Descriptor.Services[0], echo.Map);
        app.MapGrpcReflectionService();
        app.MapGrpcHealthService();
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GrpcTestServer(app, new Uri(bound), echo, logs, encodings, requestEncodings);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

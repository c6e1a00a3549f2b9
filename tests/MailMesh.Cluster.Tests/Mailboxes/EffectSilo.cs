using MailMesh.Runtime;
using MailMesh.Runtime.Invocation;
using MailMesh.Runtime.Storage;
using MailMesh.Silo.Hosting;
using MailMesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Cluster.Tests.Mailboxes;

/// <summary>The product silo in the test process on a PostgreSQL schema (which records delivered message ids,
/// cluster-03), with its SMTP submission going where the test says. Two of them started one after the other on the same
/// schema and data directory stand for a silo that died and the one that gets its messages next.</summary>
public sealed class EffectSilo : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EffectSilo(WebApplication app)
    {
        _app = app;
        Runtime = app.Services.GetRequiredService<MailMesh.Runtime.Silo>();
        MessageLog = app.Services.GetRequiredService<IGrainMessageLog>();
    }

    public MailMesh.Runtime.Silo Runtime { get; }

    public IGrainFactory Grains => Runtime.GrainFactory;

    /// <summary>What the fabric asks before it runs a redelivered message.</summary>
    public IGrainMessageLog MessageLog { get; }

    public static async Task<EffectSilo> StartAsync(string schema, string dataDirectory, int smtpPort)
    {
        var app = SiloHost.Build([
            "--Kestrel:Endpoints:Http:Url", Loopback.FreeHttpUrl(), "--Kestrel:Endpoints:Grpc:Url", Loopback.FreeHttpUrl(),
            "--Tracking:Listen", "http://127.0.0.1:0",
            "--Logging:LogLevel:Default", "Warning", "--Silo:DataDirectory", dataDirectory,
            "--Storage:Provider", "PostgreSql",
            "--Storage:PostgreSql:ConnectionString", TestServers.PostgresConnectionString,
            "--Storage:PostgreSql:Schema", schema,
            "--Rules:Smtp:Host", "127.0.0.1", "--Rules:Smtp:Port", smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--Rules:Smtp:Tls", "None"]);
        await app.StartAsync();
        return new EffectSilo(app);
    }

    /// <summary>Runs <paramref name="method"/> of <typeparamref name="TGrain"/> as the fabric runs a delivered call:
    /// with <paramref name="messageId"/> as the turn's message id (the same id again is a redelivery).</summary>
    public async Task<TResult> DeliverAsync<TGrain, TResult>(string key, string method, string messageId, params object?[] arguments)
    {
        var registered = GrainInterfaceRegistry.Find(typeof(TGrain))!.Methods.Single(m => m.Name == method);
        var request = (GrainRequest<TResult>)registered.CreateRequest();
        for (var i = 0; i < arguments.Length; i++)
        {
            request.SetArgument(i, arguments[i]);
        }

        return await Runtime.InvokeLocalAsync(new GrainId(typeof(TGrain).FullName!, key), request, messageId);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

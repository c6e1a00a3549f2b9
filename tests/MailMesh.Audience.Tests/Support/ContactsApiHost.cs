using System.Net;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Runtime.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailMesh.Audience.Tests.Support;

/// <summary>An embedded silo with the audience serving the API on 127.0.0.1 over h2c, and a tenant with an admin key.</summary>
public sealed class ContactsApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private ContactsApiHost(WebApplication app, string directory, Uri address, string tenant, string adminKey)
    {
        _app = app;
        _directory = directory;
        Address = address;
        Tenant = tenant;
        AdminKey = adminKey;
    }

    public Uri Address { get; }

    public string Tenant { get; }

    public string AdminKey { get; }

    /// <summary>Runs the CLI against this host with its admin key; returns the exit code, standard output and error.</summary>
    public async Task<(int Code, string Out, string Err)> RunCliAsync(params string[] args)
    {
        var env = new Dictionary<string, string?> { ["MAILMESH_URL"] = Address.ToString(), ["MAILMESH_KEY"] = AdminKey, ["MAILMESH_CONFIG"] = "/nonexistent/profiles.json" };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await new MailMesh.Cli.CliApp(output, error, name => env.GetValueOrDefault(name)).RunAsync(args);
        return (code, output.ToString(), error.ToString());
    }

    public IEventLog Events => _app.Services.GetRequiredService<IEventLog>();

    public static async Task<ContactsApiHost> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("mailmesh-contacts-api-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Audience:ImportBatchSize"] = "50" }).Build();
        builder.Services.AddMailMeshRuntime();
        builder.Services.AddMailMeshSqliteStorage(o =>
        {
            o.DatabasePath = Path.Combine(directory, "mailmesh.db");
            o.EventPollInterval = TimeSpan.FromMilliseconds(50);
        });
        builder.Services.AddAudience(configuration, directory);
        builder.Services.AddMailMeshApi(o => o.BootstrapKeyFile = Path.Combine(directory, "operator.key"));
        var app = builder.Build();
        app.MapMailMeshGrpc();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var operatorKey = (await File.ReadAllTextAsync(Path.Combine(directory, "operator.key"))).Trim();
        using var op = new MailMeshClient(address, new GrpcChannelOptions { ApiKey = operatorKey });
        var tenant = await op.Admin.CreateTenantAsync(new CreateTenantRequest { TenantId = "shop", DisplayName = "Shop" });
        return new ContactsApiHost(app, directory, address, "shop", tenant.AdminKey.Secret);
    }

    public MailMeshClient Client(string? key = null) => new(Address, new GrpcChannelOptions { ApiKey = key ?? AdminKey, DefaultTimeout = TimeSpan.FromSeconds(30) });

    public async Task<string> NewKeyAsync(params string[] scopes)
    {
        using var admin = Client();
        var request = new CreateApiKeyRequest { Name = "test key" };
        request.Scopes.AddRange(scopes);
        return (await admin.Admin.CreateApiKeyAsync(request)).Created.Secret;
    }

    /// <summary>Waits for the end of an import (import.completed or import.stopped) through the event log.</summary>
    public async Task WaitForImportAsync(string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        long after = 0;
        while (true)
        {
            foreach (var e in await Events.ReadAsync(after + 1, 10_000))
            {
                if (e.Type is "import.completed" or "import.stopped" && e.Subject == $"{Tenant}/{id}")
                {
                    return;
                }

                after = e.Sequence;
            }

            try
            {
                await Events.WaitForEventsAsync(after, timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"waited 120 s for the end of import {id}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by a pooled connection: the OS temp cleanup removes it.
        }
    }
}

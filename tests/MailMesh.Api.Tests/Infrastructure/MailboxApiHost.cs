using System.Net;
using System.Security.Cryptography;
using System.Text;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Grains.Rules;
using MailMesh.Protocols;
using MailMesh.Protocols.Imap;
using MailMesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailMesh.Api.Tests.Infrastructure;

/// <summary>The Dovecot-backed API tests share users and a per-user connection limit: they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MailboxApiCollection : ICollectionFixture<MailboxApiHost>
{
    public const string Name = "Mailbox API against Dovecot";
}

/// <summary>An embedded silo with mailbox sync (SQLite, local blobs) serving the API over h2c on loopback, plus a
/// tenant with an admin key for each test to use.</summary>
public sealed class MailboxApiHost : IAsyncLifetime
{
    private WebApplication? _app;
    private int _tenants;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("mailmesh-mailbox-api-").FullName;

    public Uri Address { get; private set; } = null!;

    public string OperatorKey { get; private set; } = "";

    public IServiceProvider Services => _app!.Services;

    public async Task InitializeAsync()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mailboxes:CredentialKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Mailboxes:RetryBaseDelay"] = "00:10:00",
            ["Mailboxes:RetryMaxDelay"] = "01:00:00",
            ["Mailboxes:ConnectTimeout"] = "00:00:10",
            ["Mailboxes:CommandTimeout"] = "00:00:20",
            ["Rules:Smtp:Host"] = TestServers.SmtpCapture.Address.Host,
            ["Rules:Smtp:Port"] = TestServers.SmtpCapture.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Rules:Smtp:Tls"] = "None",
            ["Rules:Smtp:LocalDomain"] = "api.test",
        }).Build();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddSingleton<IConfiguration>(configuration);
        builder.Services.AddMailMeshRuntime();
        builder.Services.AddMailMeshSqliteStorage(o =>
        {
            o.DatabasePath = Path.Combine(Directory, "mailmesh.db");
            o.EventPollInterval = TimeSpan.FromMilliseconds(50);
        });
        builder.Services.AddMailboxSync(configuration, Directory);
        builder.Services.AddMailboxRules(configuration);
        builder.Services.AddGrainsFromAssembly(typeof(MailboxGrain).Assembly);
        builder.Services.AddMailMeshApi(o => o.BootstrapKeyFile = Path.Combine(Directory, "operator.key"));
        _app = builder.Build();
        _app.MapMailMeshGrpc();
        await _app.StartAsync();
        Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        OperatorKey = (await File.ReadAllTextAsync(Path.Combine(Directory, "operator.key"))).Trim();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A SQLite file still held by a pooled connection: the OS temp cleanup removes it.
        }
    }

    public MailMeshClient Client(string key) => new(Address, new GrpcChannelOptions { ApiKey = key, DefaultTimeout = TimeSpan.FromSeconds(60) });

    /// <summary>A fresh tenant and its admin key.</summary>
    public async Task<(string Tenant, string AdminKey)> NewTenantAsync(string prefix)
    {
        var id = $"{prefix}-{Interlocked.Increment(ref _tenants)}";
        using var op = Client(OperatorKey);
        var created = await op.Admin.CreateTenantAsync(new CreateTenantRequest { TenantId = id, DisplayName = $"Tenant {id}" });
        return (id, created.AdminKey.Secret);
    }

    public async Task<string> NewKeyAsync(string adminKey, params string[] scopes)
    {
        using var admin = Client(adminKey);
        var request = new CreateApiKeyRequest { Name = "test key" };
        request.Scopes.AddRange(scopes);
        return (await admin.Admin.CreateApiKeyAsync(request)).Created.Secret;
    }
}

/// <summary>Direct IMAP access to a Dovecot test user, to prepare and inspect the server side.</summary>
public sealed class DovecotUser : IAsyncDisposable
{
    private DovecotUser(MailUser user, ImapClient client)
    {
        User = user;
        Client = client;
    }

    public MailUser User { get; }

    public ImapClient Client { get; }

    public static async Task<DovecotUser> OpenAsync()
    {
        var server = TestServers.Dovecot;
        var client = new ImapClient(new ImapClientOptions { Host = server.Host, Port = server.ImapPort, Tls = TlsMode.None, CommandTimeout = TimeSpan.FromSeconds(30) });
        await client.ConnectAsync();
        await client.AuthenticateAsync(server.Bob.Address, server.Bob.Password);
        return new DovecotUser(server.Bob, client);
    }

    public static string NewFolderName() => "mmapi-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The SetSource request for this user over plain IMAP, syncing <paramref name="folders"/>.</summary>
    public SetSourceRequest Source(string mailbox, params string[] folders)
    {
        var request = new SetSourceRequest
        {
            Name = mailbox, Protocol = MailMesh.Api.V1.SourceProtocol.Imap, Host = TestServers.Dovecot.Host, Port = TestServers.Dovecot.ImapPort,
            Tls = MailMesh.Api.V1.SourceTls.None, UserName = User.Address, Password = User.Password, PollIntervalSeconds = 3600, DisableIdle = true,
        };
        request.Folders.AddRange(folders);
        return request;
    }

    public static byte[] Message(string subject, string from, string date, string body, string? messageId = null, string? references = null) =>
        Encoding.UTF8.GetBytes(
            $"From: {from}\r\nTo: bob@example.test\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{messageId ?? Guid.NewGuid().ToString("N") + "@api.test"}>\r\n" +
            (references is null ? "" : $"References: <{references}>\r\n") +
            $"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n");

    public async ValueTask DisposeAsync() => await Client.DisposeAsync();
}

using System.Net;
using MailMesh.Engagement.Bounces;
using MailMesh.Engagement.PostgreSql;
using MailMesh.Engagement.Reports;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using MailMesh.Grains.Mailboxes;
using MailMesh.Runtime.Storage;
using MailMesh.Silo.Hosting;
using MailMesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static MailMesh.Runtime.PostgreSql.Tests.Engagement.HitStoreContractTests;

namespace MailMesh.Runtime.PostgreSql.Tests;

/// <summary>The silo host with <c>Storage:Provider=PostgreSql</c>: grain state, events, readiness and the engagement
/// stores come from PostgreSQL, and a restarted silo finds what the first one wrote.</summary>
public sealed class SiloOnPostgreSqlTests : IAsyncLifetime
{
    private readonly string _schema = PostgreSqlBackend.NewSchema();
    private readonly string _httpUrl = Loopback.FreeHttpUrl();
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "mailmesh-pg-silo-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (TestServers.IsReachable(Server.Postgres))
        {
            await PostgreSqlBackend.DropSchemaAsync(_schema);
        }

        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [ServerFact(Server.Postgres)]
    public async Task Start_PostgreSqlProvider_ReadyAndGrainStateSurvivesARestartInPostgreSql()
    {
        MailboxInfo created;
        await using (var first = await StartAsync())
        {
            Assert.IsType<PostgreSqlGrainStorage>(first.Services.GetRequiredService<IGrainStorage>());
            Assert.IsType<MailMesh.Grains.PostgreSql.PostgreSqlMessageIndex>(first.Services.GetRequiredService<MailMesh.Grains.Mailboxes.Sync.IMessageIndex>());
            created = await first.Services.GetRequiredService<IGrainFactory>().GetGrain<IMailboxGrain>("acme/support")
                .Create(new CreateMailbox("Support", "support@acme.test"));
            using var http = new HttpClient { BaseAddress = new Uri(_httpUrl), Timeout = TimeSpan.FromSeconds(10) };
            var ready = await http.GetAsync(new Uri("/healthz/ready", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            Assert.Contains("event log at sequence", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            await first.StopAsync();
        }

        await using var second = await StartAsync();

        var fetched = await second.Services.GetRequiredService<IGrainFactory>().GetGrain<IMailboxGrain>("acme/support").Get();
        Assert.Equal(created, fetched);
        var events = await second.Services.GetRequiredService<IEventLog>().ReadAsync(1, 10, new EventFilter("acme", "mailbox"));
        Assert.Equal("mailbox.created", Assert.Single(events).Type);
        Assert.False(File.Exists(Path.Combine(_dataDirectory, "mailmesh.db")), "with PostgreSQL the silo must not create the embedded SQLite store");
        await second.StopAsync();
    }

    [ServerFact(Server.Postgres)]
    public async Task Start_PostgreSqlProvider_EngagementStoresLiveInTheClusterSchema()
    {
        await using var silo = await StartAsync();

        var hits = Assert.IsType<PostgreSqlHitStore>(silo.Services.GetRequiredService<IHitStore>());
        Assert.IsType<PostgreSqlBounceStore>(silo.Services.GetRequiredService<IBounceStore>());
        Assert.IsType<PostgreSqlReportNoticeStore>(silo.Services.GetRequiredService<IReportNoticeStore>());
        var hit = Hit(HitKind.Open, "a@x.org", new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        await hits.InsertAsync([hit]);
        await silo.StopAsync();

        await using var store = await PostgreSqlStore.OpenAsync(PostgreSqlBackend.Options(_schema));
        Assert.Equal([hit], await new PostgreSqlHitStore(store).PendingAsync(10));
        foreach (var file in (string[])["engagement.db", "bounces.db", "reports.db"])
        {
            Assert.False(File.Exists(Path.Combine(_dataDirectory, file)), $"with PostgreSQL the silo must not create {file}");
        }
    }

    [Fact]
    public async Task Start_PostgreSqlProviderWithoutConnectionString_FailsNamingTheVariable()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(connectionString: ""));

        Assert.Contains("MAILMESH__STORAGE__POSTGRESQL__CONNECTIONSTRING", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_UnknownStorageProvider_FailsListingTheChoices()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(provider: "Floppy"));

        Assert.Contains("'Sqlite' (embedded, the default) or 'PostgreSql'", error.Message, StringComparison.Ordinal);
    }

    private async Task<WebApplication> StartAsync(string provider = "PostgreSql", string? connectionString = null)
    {
        var app = SiloHost.Build([
            "--Kestrel:Endpoints:Http:Url", _httpUrl, "--Kestrel:Endpoints:Grpc:Url", "http://127.0.0.1:0",
            "--Tracking:Listen", Loopback.FreeHttpUrl(), "--Logging:LogLevel:Default", "Warning", "--Silo:DataDirectory", _dataDirectory,
            "--Storage:Provider", provider,
            "--Storage:PostgreSql:ConnectionString", connectionString ?? TestServers.PostgresConnectionString,
            "--Storage:PostgreSql:Schema", _schema]);
        try
        {
            await app.StartAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }
}

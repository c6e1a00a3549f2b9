using MailMesh.Engagement.Bounces;
using MailMesh.Engagement.PostgreSql;
using MailMesh.Engagement.Reports;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using MailMesh.Silo.Hosting;
using MailMesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using static MailMesh.Runtime.PostgreSql.Tests.Engagement.HitStoreContractTests;

namespace MailMesh.Runtime.PostgreSql.Tests.Engagement;

/// <summary>The silo host with <c>Storage:Provider=PostgreSql</c> keeps its engagement stores in the cluster's schema,
/// not in files under its data directory.</summary>
public sealed class SiloEngagementStoresTests : IAsyncLifetime
{
    private readonly string _schema = PostgreSqlBackend.NewSchema();
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "mailmesh-pg-engagement-" + Guid.NewGuid().ToString("N"));

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
    public async Task Start_PostgreSqlProvider_EngagementStoresLiveInTheClusterSchema()
    {
        await using var silo = SiloHost.Build([
            "--Kestrel:Endpoints:Http:Url", Loopback.FreeHttpUrl(), "--Kestrel:Endpoints:Grpc:Url", "http://127.0.0.1:0",
            "--Tracking:Listen", Loopback.FreeHttpUrl(),
            "--Logging:LogLevel:Default", "Warning", "--Silo:DataDirectory", _dataDirectory,
            "--Storage:Provider", "PostgreSql",
            "--Storage:PostgreSql:ConnectionString", TestServers.PostgresConnectionString,
            "--Storage:PostgreSql:Schema", _schema]);
        await silo.StartAsync();

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
}

using MailMesh.Campaigns.PostgreSql;
using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Testing;
using Npgsql;

namespace MailMesh.Campaigns.Tests.SendLog;

/// <summary>The send log contract on the PostgreSQL test server (scripts/test-servers.sh), each test class instance in a
/// schema of its own; plus what only a shared database has: silos migrating together, and claims and first uses from
/// two silos (two stores, two connection pools) at once.</summary>
public sealed class PostgresSendLogTests : SendLogContractTests
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N")[..20];
    private readonly List<PostgreSqlStore> _stores = [];

    protected override async Task<ISendLog> CreateAsync()
    {
        TestServers.Require(Server.Postgres);
        return new PostgreSqlSendLog(await OpenStoreAsync());
    }

    public override async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        if (_stores.Count > 0)
        {
            await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [SkippableFact]
    public async Task InitializeAsync_SilosStartingTogether_ApplyTheStepsOnce()
    {
        var logs = new List<PostgreSqlSendLog>();
        for (var i = 0; i < 3; i++)
        {
            logs.Add(new PostgreSqlSendLog(await OpenStoreAsync()));
        }

        await Task.WhenAll(logs.Select(l => l.InitializeAsync()));
        await Log.EnqueueAsync("acme", "c1", [Plan("a@example.com")], T0);
        await logs[0].InitializeAsync();

        Assert.Equal(1, (await logs[2].CountAsync("acme", "c1")).Planned);
    }

    [SkippableFact]
    public async Task EnqueueAsync_LargePageWithRepeats_AddsEachRecipientOnce()
    {
        var page = Enumerable.Range(0, 5000).Select(i => Plan($"u{i:D5}@example.com", shard: i % 4, notBefore: T0.AddSeconds(i % 60))).ToList();

        var added = await Log.EnqueueAsync("acme", "c1", [.. page, page[0], page[4999]], T0);
        var again = await Log.EnqueueAsync("acme", "c1", page[4000..], T0);

        Assert.Equal((5000, 0), (added, again));
        Assert.Equal(5000, (await Log.CountAsync("acme", "c1")).Queued);
        var due = await Log.ListDueAsync("acme", "c1", 1, T0.AddMinutes(5), 10);
        Assert.Equal(["u00001@example.com", "u00061@example.com", "u00121@example.com"], due.Take(3).Select(r => r.ContactAddress));
    }

    [SkippableFact]
    public async Task TryMarkSendingAsync_TwoSilosClaimingTogether_OneClaimPerRecord()
    {
        var other = new PostgreSqlSendLog(await OpenStoreAsync());
        var page = Enumerable.Range(0, 40).Select(i => Plan($"u{i:D2}@example.com")).ToList();
        await Log.EnqueueAsync("acme", "c1", page, T0);

        var claims = await Task.WhenAll(page.SelectMany(p => new[] { Log, other }.Select(log =>
            log.TryMarkSendingAsync("acme", p.SendId, SendStatus.Queued, null, T0))));

        Assert.Equal(page.Count, claims.Count(c => c));
        var progress = await other.CountAsync("acme", "c1");
        Assert.Equal((40L, 0L), (progress.Sending, progress.Queued));
        Assert.All(await Log.ListAsync("acme", "c1", null, 100), r => Assert.Equal(1, r.Attempts));
    }

    [SkippableFact]
    public async Task SendingDomainFirstUseAsync_TwoSilosTogether_AgreeOnTheFirstTime()
    {
        var other = new PostgreSqlSendLog(await OpenStoreAsync());

        var uses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            (i % 2 == 0 ? Log : other).SendingDomainFirstUseAsync("acme", "News.Example.com", T0.AddMinutes(i))));

        Assert.Single(uses.Distinct());
        Assert.Equal(uses[0], await Log.SendingDomainFirstUseAsync("acme", "news.example.com", T0.AddDays(3)));
    }

    private async Task<PostgreSqlStore> OpenStoreAsync()
    {
        var store = await PostgreSqlStore.OpenAsync(new PostgreSqlStorageOptions { ConnectionString = TestServers.PostgresConnectionString, Schema = _schema });
        _stores.Add(store);
        return store;
    }
}

using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using Microsoft.Data.Sqlite;

namespace MailMesh.Campaigns.Tests.SendLog;

/// <summary>Where the SQLite send log puts a plan's records: each shard's as one run of rows, in plan order.</summary>
public sealed class SqliteSendLogShardLayoutTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mailmesh-sendlog-layout-tests", Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "campaigns.db");

    [Fact]
    public async Task EnqueueAsync_PageOfInterleavedShards_StoresEachShardsRecordsSideBySideInPlanOrder()
    {
        using (var log = new SqliteSendLog(DatabasePath))
        {
            await log.InitializeAsync();
            var sends = Enumerable.Range(0, 12).Select(i => Plan($"r{i:D2}@example.com", i % 3)).ToArray();
            Assert.Equal(12, await log.EnqueueAsync("acme", "c1", sends, T0));
        }

        // Rows in rowid order: shard 0's four, then shard 1's, then shard 2's, each in the order planned.
        var order = await ContactsInRowOrderAsync();
        Assert.Equal(
            ["r00", "r03", "r06", "r09", "r01", "r04", "r07", "r10", "r02", "r05", "r08", "r11"],
            order.Select(c => c[..3]).ToArray());
    }

    [Fact]
    public async Task EnqueueAsync_PageOfRunsWithRepeats_AddsEachRecipientOnceWithItsShardAndDueTime()
    {
        // A repeat of an earlier record of the page, one much later in it and a page planned again are each left as they are.
        var page = Enumerable.Range(0, 1001).Select(i => Plan($"u{i:D4}@example.com", i % 4) with { NotBefore = T0.AddSeconds(i) }).ToList();
        using var log = new SqliteSendLog(DatabasePath);
        await log.InitializeAsync();

        var added = await log.EnqueueAsync("acme", "c1", [.. page, page[0], page[999], page[4] with { NotBefore = T0.AddDays(1) }], T0);
        var again = await log.EnqueueAsync("acme", "c1", page[900..], T0);

        Assert.Equal((1001, 0), (added, again));
        Assert.Equal(1001, (await log.CountAsync("acme", "c1")).Queued);
        var records = new List<SendRecord>();
        for (string? after = null; ;)
        {
            var chunk = await log.ListAsync("acme", "c1", after, 500);
            if (chunk.Count == 0)
            {
                break;
            }

            records.AddRange(chunk);
            after = chunk[^1].ContactAddress;
        }

        Assert.Equal(page.Select(p => (p.ContactAddress, p.SendId, (DateTimeOffset?)p.NotBefore)), records.Select(r => (r.ContactAddress, r.SendId, r.NextAttemptAt)));
        for (var shard = 0; shard < 4; shard++)
        {
            var due = await log.ListDueAsync("acme", "c1", shard, T0.AddDays(2), 1001);
            Assert.Equal(page.Where(p => p.Shard == shard).Select(p => p.ContactAddress), due.Select(r => r.ContactAddress));
        }
    }

    [Fact]
    public async Task ListDueAsync_ShardStoredAsOneRun_ReturnsItsRecordsInPlanOrderAndClaimsThemAll()
    {
        using var log = new SqliteSendLog(DatabasePath);
        await log.InitializeAsync();
        var sends = Enumerable.Range(0, 8).Select(i => Plan($"r{i}@example.com", i % 2)).ToArray();
        await log.EnqueueAsync("acme", "c1", sends, T0);

        var due = await log.ListDueAsync("acme", "c1", 1, T0, 3);
        var claimed = await log.TryMarkSendingAsync("acme", due.Select(r => new SendClaim("c1", r.ContactAddress, r.SendId, SendStatus.Queued, null)).ToArray(), T0);

        var counts = await log.CountAsync("acme", "c1");

        Assert.Equal(["r1@example.com", "r3@example.com", "r5@example.com"], due.Select(r => r.ContactAddress).ToArray());
        Assert.All(claimed, Assert.True);
        Assert.Equal((5L, 3L), (counts.Queued, counts.Sending));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static PlannedSend Plan(string address, int shard) => new(address, SendId.For("acme", "c1", address), shard, T0);

    private async Task<List<string>> ContactsInRowOrderAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT contact FROM send_records ORDER BY rowid";
        var contacts = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            contacts.Add(reader.GetString(0));
        }

        return contacts;
    }
}

using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using Microsoft.Data.Sqlite;

namespace MailMesh.Campaigns.Tests.SendLog;

/// <summary>The SQLite send log's schema upgrades and the counts that read the due index.</summary>
public sealed class SqliteSendLogSchemaTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mailmesh-sendlog-schema-tests", Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "campaigns.db");

    [Fact]
    public async Task InitializeAsync_FileOfSchemaVersion2_DropsTheStatusIndexAndKeepsItsRecords()
    {
        var send = new PlannedSend("a@example.com", SendId.For("acme", "c1", "a@example.com"), 0, T0);
        using (var log = new SqliteSendLog(DatabasePath))
        {
            await log.InitializeAsync();
            await log.EnqueueAsync("acme", "c1", [send], T0);
        }

        // The file as version 2 left it: the status index in place.
        await ExecuteAsync("CREATE INDEX send_records_status ON send_records (tenant, campaign, status); PRAGMA user_version = 2;");

        using (var log = new SqliteSendLog(DatabasePath))
        {
            await log.InitializeAsync();
            Assert.Equal(SendStatus.Queued, (await log.FindAsync("acme", send.SendId))?.Status);
            Assert.Equal(1, (await log.CountAsync("acme", "c1")).Queued);
        }

        Assert.Equal(5L, await ScalarAsync("PRAGMA user_version"));
        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'send_records_status'"));
    }

    [Fact]
    public async Task InitializeAsync_FileOfSchemaVersion3_KeepsOnlyRecordsToSendInTheDueIndex()
    {
        PlannedSend queued = new("a@example.com", SendId.For("acme", "c1", "a@example.com"), 0, T0),
            sent = new("b@example.com", SendId.For("acme", "c1", "b@example.com"), 0, T0);
        using (var log = new SqliteSendLog(DatabasePath))
        {
            await log.InitializeAsync();
            await log.EnqueueAsync("acme", "c1", [queued, sent], T0);
            await log.TryMarkSendingAsync("acme", sent.SendId, SendStatus.Queued, null, T0);
            await log.CompleteAsync("acme", sent.SendId, SendStatus.Sent, 250, "ok", null, T0);
        }

        // The file as version 3 left it: every record in the due index.
        await ExecuteAsync("""
            DROP INDEX send_records_due;
            CREATE INDEX send_records_due ON send_records (tenant, campaign, shard, status, not_before);
            PRAGMA user_version = 3;
            """);

        using (var log = new SqliteSendLog(DatabasePath))
        {
            await log.InitializeAsync();
            Assert.Equal([queued.SendId], (await log.ListDueAsync("acme", "c1", 0, T0, 10)).Select(r => r.SendId));
            Assert.Equal(new PendingSends(1, 0), await log.CountPendingAsync("acme", "c1"));
            var progress = await log.CountAsync("acme", "c1");
            Assert.Equal((2L, 1L, 1L), (progress.Planned, progress.Queued, progress.Sent));
        }

        Assert.Equal(5L, await ScalarAsync("PRAGMA user_version"));
        Assert.Equal(1L, await ScalarAsync("SELECT COUNT(*) FROM send_records INDEXED BY send_records_due WHERE status IN (0, 3)"));
    }

    [Fact]
    public async Task CountAsync_RecordsOfOneStatusInSeveralShards_SumsThemPerStatus()
    {
        using var log = new SqliteSendLog(DatabasePath);
        await log.InitializeAsync();
        var sends = Enumerable.Range(0, 9).Select(i => $"r{i}@example.com").Select((a, i) => new PlannedSend(a, SendId.For("acme", "c1", a), i % 3, T0)).ToArray();
        await log.EnqueueAsync("acme", "c1", sends, T0);
        await log.EnqueueAsync("acme", "c2", [new PlannedSend("x@example.com", SendId.For("acme", "c2", "x@example.com"), 0, T0)], T0);
        var claimed = await log.TryMarkSendingAsync("acme", sends.Take(4).Select(s => new SendClaim("c1", s.ContactAddress, s.SendId, SendStatus.Queued, null)).ToArray(), T0);
        Assert.All(claimed, Assert.True);
        Assert.Empty(await log.CompleteAsync("acme", sends.Take(3).Select(s => new SendCompletion("c1", s.ContactAddress, s.SendId, SendStatus.Sent, 250, "ok", null)).ToArray(), T0));

        var progress = await log.CountAsync("acme", "c1");

        Assert.Equal((9L, 5L, 1L, 3L), (progress.Planned, progress.Queued, progress.Sending, progress.Sent));
    }

    [Fact]
    public async Task PrepareReportsAsync_FileWithTheIndexOfEveryRecord_IndexesOnlyRecordsWithAnOutcomeOrADeferral()
    {
        using var log = new SqliteSendLog(DatabasePath);
        await log.InitializeAsync();
        var sends = Enumerable.Range(0, 5).Select(i => $"r{i}@example.com").Select(a => new PlannedSend(a, SendId.For("acme", "c1", a), 0, T0)).ToArray();
        await log.EnqueueAsync("acme", "c1", sends, T0);
        // The file as the report service left it before: an index of every record.
        await ExecuteAsync("CREATE INDEX send_records_report ON send_records (tenant, campaign, status, updated_at, first_deferred_at, contact)");
        Assert.All(await log.TryMarkSendingAsync("acme", sends.Take(4).Select(s => new SendClaim("c1", s.ContactAddress, s.SendId, SendStatus.Queued, null)).ToArray(), T0),
            Assert.True);
        Assert.Empty(await log.CompleteAsync("acme", [
            new SendCompletion("c1", sends[0].ContactAddress, sends[0].SendId, SendStatus.Sent, 250, "ok", null),
            new SendCompletion("c1", sends[1].ContactAddress, sends[1].SendId, SendStatus.Deferred, 451, "later", T0.AddHours(1))], T0));

        await ((ISendLogReports)log).PrepareReportsAsync();
        await ((ISendLogReports)log).PrepareReportsAsync();

        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'send_records_report'"));
        // The sent and the deferred record; not the two being sent nor the queued one.
        Assert.Equal(2L, await ScalarAsync(
            "SELECT COUNT(*) FROM send_records s INDEXED BY send_records_outcomes WHERE s.tenant = 'acme' AND s.campaign = 'c1' AND (s.status >= 2 OR s.first_deferred_at IS NOT NULL)"));
        Assert.Equal(new SendLogReportCounts(1, 2, 1, 1, 0, 0, 0, 1), await ((ISendLogReports)log).ReportCountsAsync("acme", "c1", null));
        Assert.Equal(new CampaignProgress(5, 1, 2, 1, 1, 0, 0, 0), await log.CountAsync("acme", "c1"));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private Task ExecuteAsync(string sql) => SendLogFile.ExecuteAsync(DatabasePath, sql);

    private Task<long> ScalarAsync(string sql) => SendLogFile.ScalarAsync(DatabasePath, sql);
}

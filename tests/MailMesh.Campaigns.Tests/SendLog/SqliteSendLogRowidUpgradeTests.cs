using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Campaigns;
using Microsoft.Data.Sqlite;

namespace MailMesh.Campaigns.Tests.SendLog;

/// <summary>The upgrade of a send log file of schema version 4 (records in a key-ordered table) to version 5 (a rowid
/// table with a unique key index): its records keep every field and go on through their life cycle.</summary>
public sealed class SqliteSendLogRowidUpgradeTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset T1 = T0.AddMinutes(5);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mailmesh-sendlog-rowid-tests", Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "campaigns.db");

    // The schema that versions 1 to 4 left, as a file of version 4 holds it.
    private const string Version4 = """
        CREATE TABLE send_records (
            tenant TEXT NOT NULL, campaign TEXT NOT NULL, contact TEXT NOT NULL, send_id BLOB NOT NULL, shard INTEGER NOT NULL,
            status INTEGER NOT NULL, attempts INTEGER NOT NULL, message_id TEXT NULL, last_code INTEGER NOT NULL, last_reply TEXT NULL,
            queued_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, not_before INTEGER NOT NULL, first_deferred_at INTEGER NULL,
            PRIMARY KEY (tenant, campaign, contact)
        ) WITHOUT ROWID;
        CREATE INDEX send_records_send_id ON send_records (send_id);
        CREATE INDEX send_records_due ON send_records (tenant, campaign, shard, status, not_before) WHERE status IN (0, 3);
        CREATE INDEX send_records_report ON send_records (tenant, campaign, status, updated_at, first_deferred_at);
        CREATE TABLE sending_domains (tenant TEXT NOT NULL, domain TEXT NOT NULL, first_used_at INTEGER NOT NULL, PRIMARY KEY (tenant, domain)) WITHOUT ROWID;
        PRAGMA user_version = 4;
        """;

    [Fact]
    public async Task InitializeAsync_FileOfSchemaVersion4_KeepsEveryRecordAsItWas()
    {
        var queued = Id("queued@example.com");
        var sent = Id("sent@example.com");
        var deferred = Id("deferred@example.com");
        await ExecuteAsync(Version4 + $"""
            INSERT INTO send_records VALUES ('acme', 'c1', 'queued@example.com', x'{Hex(queued)}', 0, 0, 0, NULL, 0, NULL, {Ms(T0)}, {Ms(T0)}, {Ms(T0)}, NULL);
            INSERT INTO send_records VALUES ('acme', 'c1', 'sent@example.com', x'{Hex(sent)}', 1, 2, 1, '<m1@example.com>', 250, '2.0.0 ok', {Ms(T0)}, {Ms(T1)}, {Ms(T0)}, NULL);
            INSERT INTO send_records VALUES ('acme', 'c1', 'deferred@example.com', x'{Hex(deferred)}', 0, 3, 1, '<m2@example.com>', 451, 'try later', {Ms(T0)}, {Ms(T0)}, {Ms(T1)}, {Ms(T0)});
            INSERT INTO sending_domains VALUES ('acme', 'example.com', {Ms(T0)});
            """);

        using var log = new SqliteSendLog(DatabasePath);
        await log.InitializeAsync();

        Assert.Equal(5L, await ScalarAsync("PRAGMA user_version"));
        Assert.Equal(
            new SendRecord("acme", "c1", "sent@example.com", sent, SendStatus.Sent, 1, "<m1@example.com>", 250, "2.0.0 ok", T0, T1, null),
            await log.FindAsync("acme", sent));
        Assert.Equal(
            new SendRecord("acme", "c1", "deferred@example.com", deferred, SendStatus.Deferred, 1, "<m2@example.com>", 451, "try later", T0, T0, T1),
            await log.FindAnyTenantAsync(deferred));
        Assert.Equal(T0, await log.FirstDeferredAtAsync("acme", deferred));
        Assert.Equal(T0, await log.SendingDomainFirstUseAsync("acme", "example.com", T1));
        Assert.Equal([queued, deferred], (await log.ListDueAsync("acme", "c1", 0, T1, 10)).Select(r => r.SendId));
        var progress = await log.CountAsync("acme", "c1");
        Assert.Equal((3L, 1L, 1L, 1L), (progress.Planned, progress.Queued, progress.Sent, progress.Deferred));
    }

    [Fact]
    public async Task InitializeAsync_FileOfSchemaVersion4_ClaimsCompletesAndPlansItsRecordsOnce()
    {
        var queued = Id("queued@example.com");
        await ExecuteAsync(Version4 + $"""
            INSERT INTO send_records VALUES ('acme', 'c1', 'queued@example.com', x'{Hex(queued)}', 0, 0, 0, NULL, 0, NULL, {Ms(T0)}, {Ms(T0)}, {Ms(T0)}, NULL);
            """);

        using var log = new SqliteSendLog(DatabasePath);
        await log.InitializeAsync();

        // Planning the page again adds only the contact that was not planned before: the key index is unique.
        Assert.Equal(1, await log.EnqueueAsync("acme", "c1", [Planned("queued@example.com"), Planned("new@example.com")], T1));
        var claim = new SendClaim("c1", "queued@example.com", queued, SendStatus.Queued, "<m@example.com>");
        Assert.Equal([true], await log.TryMarkSendingAsync("acme", [claim], T1));
        Assert.Equal([false], await log.TryMarkSendingAsync("acme", [claim], T1));
        Assert.Empty(await log.CompleteAsync("acme", [new SendCompletion("c1", "queued@example.com", queued, SendStatus.Sent, 250, "ok", null)], T1));
        Assert.Equal(
            new SendRecord("acme", "c1", "queued@example.com", queued, SendStatus.Sent, 1, "<m@example.com>", 250, "ok", T0, T1, null),
            await log.FindAsync("acme", queued));
        Assert.Equal(["new@example.com"], (await log.ListDueAsync("acme", "c1", 0, T1, 10)).Select(r => r.ContactAddress));
        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM sqlite_master WHERE sql LIKE '%WITHOUT ROWID%' AND name = 'send_records'"));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static SendId Id(string contact) => SendId.For("acme", "c1", contact);

    private static PlannedSend Planned(string contact) => new(contact, Id(contact), 0, T0);

    private static long Ms(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static string Hex(SendId id)
    {
        var bytes = new byte[SendId.Length];
        id.WriteBytes(bytes);
        return Convert.ToHexString(bytes);
    }

    private Task ExecuteAsync(string sql) => SendLogFile.ExecuteAsync(DatabasePath, sql);

    private Task<long> ScalarAsync(string sql) => SendLogFile.ScalarAsync(DatabasePath, sql);
}

using MailMesh.Campaigns.SendLog;
using MailMesh.Campaigns.SendLog.Internal;
using MailMesh.Grains.Campaigns;
using Microsoft.Data.Sqlite;

namespace MailMesh.Campaigns.Tests.SendLog;

/// <summary>The SQLite send log's kept connection: its settings, a failed transaction, and other writers of the file.</summary>
public sealed class SqliteSendLogConnectionTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "mailmesh-sendlog-connection-tests", Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "campaigns.db");

    [Fact]
    public async Task Connection_Opened_SyncsEveryCommitInWalModeAndMapsTheFile()
    {
        Directory.CreateDirectory(_directory);
        using var connection = new SendLogConnection(DatabasePath);

        var (synchronous, journal, map, checkpoint) = await connection.ReadAsync(
            c => ((long)c.Statement("PRAGMA synchronous").Scalar()!, (string)c.Statement("PRAGMA journal_mode").Scalar()!,
                (long)c.Statement("PRAGMA mmap_size").Scalar()!, (long)c.Statement("PRAGMA wal_autocheckpoint").Scalar()!),
            CancellationToken.None);

        // synchronous = FULL (2): the claim of record-then-send is on disk before its commit returns.
        Assert.Equal((2L, "wal", SendLogConnection.MapBytes, (long)SendLogConnection.CheckpointPages), (synchronous, journal, map, checkpoint));
    }

    [Fact]
    public async Task EnqueueAsync_RowFailsPartWay_AddsNothingAndTheLogStillWrites()
    {
        using var log = await OpenAsync();
        PlannedSend[] page = [Plan("a@example.com"), new PlannedSend(null!, SendId.For("acme", "c1", "b@example.com"), 0, T0)];

        await Assert.ThrowsAsync<SqliteException>(() => log.EnqueueAsync("acme", "c1", page, T0));

        Assert.Equal(0, (await log.CountAsync("acme", "c1")).Planned);
        Assert.Equal(1, await log.EnqueueAsync("acme", "c1", [Plan("c@example.com")], T0));
        Assert.Equal(1, (await log.CountAsync("acme", "c1")).Planned);
    }

    [Fact]
    public async Task ListDueAsync_AnotherWriterClaimedSinceTheLastRead_SeesTheClaim()
    {
        using var log = await OpenAsync();
        using var other = await OpenAsync();
        var send = Plan("a@example.com");
        await log.EnqueueAsync("acme", "c1", [send], T0);
        Assert.Single(await log.ListDueAsync("acme", "c1", 0, T0, 10));

        Assert.True(await other.TryMarkSendingAsync("acme", send.SendId, SendStatus.Queued, "m1@shop.example", T0));

        Assert.Empty(await log.ListDueAsync("acme", "c1", 0, T0, 10));
        Assert.False((await log.TryMarkSendingAsync("acme", [new SendClaim("c1", send.ContactAddress, send.SendId, SendStatus.Queued, "m2@shop.example")], T0))[0]);
        Assert.Equal("m1@shop.example", (await log.FindAsync("acme", send.SendId))?.MessageId);
    }

    [Fact]
    public async Task InitializeAsync_TwoLogsOnANewFileAtOnce_BothEndAtTheLatestSchema()
    {
        Directory.CreateDirectory(_directory);
        using SqliteSendLog first = new(DatabasePath), second = new(DatabasePath);

        await Task.WhenAll(Task.Run(() => first.InitializeAsync()), Task.Run(() => second.InitializeAsync()));

        Assert.Equal(1, await first.EnqueueAsync("acme", "c1", [Plan("a@example.com")], T0));
        Assert.Equal(1, (await second.CountAsync("acme", "c1")).Queued);
    }

    [Fact]
    public async Task Dispose_ThenCall_Throws()
    {
        var log = await OpenAsync();

        log.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => log.ListDueAsync("acme", "c1", 0, T0, 10));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static PlannedSend Plan(string address) => new(address, SendId.For("acme", "c1", address), 0, T0);

    private async Task<SqliteSendLog> OpenAsync()
    {
        var log = new SqliteSendLog(DatabasePath);
        await log.InitializeAsync();
        return log;
    }
}

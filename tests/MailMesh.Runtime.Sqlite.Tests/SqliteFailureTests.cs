using MailMesh.Runtime.Storage;
using Microsoft.Data.Sqlite;

namespace MailMesh.Runtime.Sqlite.Tests;

public sealed class SqliteFailureTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("mailmesh.db");

    public void Dispose() => _directory.Dispose();

    private static EventDraft Event(string subject) =>
        new(Guid.NewGuid(), "acme", "mailbox.updated", subject, DateTimeOffset.UnixEpoch, "{}");

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False;Default Timeout=1");
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task WriteAsync_DatabaseFull_ThrowsNamingTheFileWritesNothingAndRecoversWhenSpaceReturns()
    {
        var options = SqliteBackend.Options(DatabasePath);
        options.MaxDatabaseSizeBytes = 256 * 1024;
        await using var store = await SqliteStore.OpenAsync(options);
        var storage = new SqliteGrainStorage(store);
        var log = new SqliteEventLog(store);
        var payload = new byte[16 * 1024];
        new Random(7).NextBytes(payload);
        var written = new List<GrainId>();
        StorageException? full = null;
        for (var i = 0; i < 100 && full is null; i++)
        {
            var grain = GrainId.Create("T", $"acme/big-{i}");
            try
            {
                await storage.WriteAsync("s", grain, payload, null, [Event(grain.Key)]);
                written.Add(grain);
            }
            catch (StorageException e)
            {
                full = e;
            }
        }

        Assert.NotNull(full);
        Assert.True(full.IsTransient);
        Assert.Contains(DatabasePath, full.Message, StringComparison.Ordinal);
        Assert.Contains("is full", full.Message, StringComparison.Ordinal);
        var failed = GrainId.Create("T", $"acme/big-{written.Count}");
        Assert.Null(await storage.ReadAsync("s", failed));
        Assert.Equal(written.Count, await log.GetLastSequenceAsync());
        Assert.Equal(payload, (await storage.ReadAsync("s", written[0]))!.Payload);

        // Space returns: two rows are cleared (a delete needs no new pages), and the failed write now fits.
        foreach (var grain in written.Take(2))
        {
            await storage.ClearAsync("s", grain, (await storage.ReadAsync("s", grain))!.ETag, []);
        }

        var retried = await storage.WriteAsync("s", failed, payload, null, [Event(failed.Key)]);
        Assert.Equal([written.Count + 1L], retried.EventSequences);
        Assert.Equal(payload, (await storage.ReadAsync("s", failed))!.Payload);
        var events = await log.ReadAsync(0, 1000);
        Assert.Equal(Enumerable.Range(1, written.Count + 1).Select(n => (long)n), events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task WriteAsync_FileLockedByAnotherWriter_ThrowsTransientBusyAndSucceedsOnceReleased()
    {
        var options = SqliteBackend.Options(DatabasePath);
        options.BusyTimeout = TimeSpan.FromMilliseconds(100);
        await using var store = await SqliteStore.OpenAsync(options);
        var storage = new SqliteGrainStorage(store);
        var grain = GrainId.Create("T", "acme/locked");
        var before = await storage.WriteAsync("s", grain, "{\"v\":1}"u8.ToArray(), null, []);

        using (var other = Connect())
        {
            Execute(other, "BEGIN IMMEDIATE;");
            var error = await Assert.ThrowsAsync<StorageException>(
                () => storage.WriteAsync("s", grain, "{\"v\":2}"u8.ToArray(), before.ETag, [Event(grain.Key)]));

            Assert.True(error.IsTransient);
            Assert.Contains("busy", error.Message, StringComparison.Ordinal);
            Assert.Contains(DatabasePath, error.Message, StringComparison.Ordinal);
            // Readers are not blocked by a writer in WAL mode.
            Assert.Equal(before.ETag, (await storage.ReadAsync("s", grain))!.ETag);
            Execute(other, "ROLLBACK;");
        }

        var after = await storage.WriteAsync("s", grain, "{\"v\":2}"u8.ToArray(), before.ETag, [Event(grain.Key)]);
        Assert.Equal([1L], after.EventSequences);
    }

    [Fact]
    public async Task ReadAsync_MalformedStoredRow_ThrowsNamingTheRowAndFile()
    {
        await using var store = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath));
        var grain = GrainId.Create("T", "acme/x");
        await new SqliteGrainStorage(store).WriteAsync("s", grain, "{}"u8.ToArray(), null, [Event(grain.Key)]);
        await new SqliteReminderTable(store).UpsertAsync(grain, "r", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1));
        using (var other = Connect())
        {
            Execute(other, "UPDATE event_log SET time = 'yesterday'; UPDATE reminders SET first_due = 'soon';");
        }

        var eventError = await Assert.ThrowsAsync<StorageException>(() => new SqliteEventLog(store).ReadAsync(0, 10));
        var reminderError = await Assert.ThrowsAsync<StorageException>(() => new SqliteReminderTable(store).ReadAllAsync());

        Assert.Contains("'yesterday'", eventError.Message, StringComparison.Ordinal);
        Assert.Contains("sequence 1", eventError.Message, StringComparison.Ordinal);
        Assert.Contains(DatabasePath, eventError.Message, StringComparison.Ordinal);
        Assert.Contains("'soon'", reminderError.Message, StringComparison.Ordinal);
        Assert.Contains("reminder 'r' of T/acme/x", reminderError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operations_AfterDispose_ThrowObjectDisposed()
    {
        var store = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath));
        var log = new SqliteEventLog(store);
        var waiting = log.WaitForEventsAsync(0);

        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => new SqliteGrainStorage(store).ReadAsync("s", GrainId.Create("T", "acme/x")));
        var ended = await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains(nameof(SqliteStore), ended.ObjectName, StringComparison.Ordinal);
    }
}

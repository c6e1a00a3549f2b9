using MailMesh.Runtime.Storage;
using Microsoft.Data.Sqlite;

namespace MailMesh.Runtime.Sqlite.Tests;

public sealed class SqliteMigrationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string DatabasePath => _directory.File("mailmesh.db");

    public void Dispose() => _directory.Dispose();

    private object? Query(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    [Fact]
    public async Task OpenAsync_NewFile_CreatesSchemaInWalMode()
    {
        await using (var store = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath)))
        {
            Assert.Equal(SqliteStore.LatestSchemaVersion, store.SchemaVersion);
            Assert.Equal("wal", Query("PRAGMA journal_mode;"));
        }

        Assert.Equal((long)SqliteStore.LatestSchemaVersion, Query("SELECT COUNT(*) FROM schema_version;"));
        Assert.Equal(3L, Query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('grain_state', 'event_log', 'reminders');"));
        Assert.Equal(3L, Query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_event_log_%';"));
    }

    [Fact]
    public async Task OpenAsync_FileAtVersionOne_UpgradesStepByStepAndKeepsData()
    {
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = Internal.Schema.CreateVersionTable + Internal.Schema.Migrations[0].Sql + """
                INSERT INTO schema_version (version, description, applied_at) VALUES (1, 'v1', '2026-11-22T00:00:00Z');
                INSERT INTO event_log (event_id, tenant, type, subject, time, payload)
                VALUES ('6f1c1d2e-0000-4000-8000-000000000001', 'acme', 'mailbox.created', 'acme/box', '2026-11-22T00:00:00.0000000+00:00', '{}');
                """;
            command.ExecuteNonQuery();
        }

        await using var store = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath));

        Assert.Equal(SqliteStore.LatestSchemaVersion, store.SchemaVersion);
        Assert.True(SqliteStore.LatestSchemaVersion >= 2);
        var events = await new SqliteEventLog(store).ReadAsync(0, 10, new Storage.EventFilter("acme", Subject: "acme/box"));
        Assert.Equal([1L], events.Select(e => e.Sequence));
        Assert.Equal(0L, Query("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_event_log_subject_sequence';"));
        Assert.Equal(1L, Query("SELECT COUNT(*) FROM sqlite_master WHERE name = 'ix_event_log_tenant_subject_sequence';"));
        Assert.Equal((long)SqliteStore.LatestSchemaVersion, Query("SELECT COUNT(*) FROM schema_version;"));
    }

    [Fact]
    public async Task OpenAsync_FileAtVersionTwo_MovesGrainStatesToARowidTableKeepingPayloadsAndETags()
    {
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = Internal.Schema.CreateVersionTable + Internal.Schema.Migrations[0].Sql + Internal.Schema.Migrations[1].Sql + """
                INSERT INTO schema_version (version, description, applied_at) VALUES (1, 'v1', '2026-11-22T00:00:00Z'), (2, 'v2', '2026-11-22T00:00:00Z');
                INSERT INTO grain_state (state_name, grain_type, grain_key, etag, payload, updated_at)
                VALUES ('s', 'T', 'acme/a', 'etag-a', X'41', '2026-11-22T00:00:00.0000000+00:00'),
                       ('s', 'T', 'acme/b', 'etag-b', X'42', '2026-11-22T00:00:00.0000000+00:00');
                """;
            command.ExecuteNonQuery();
        }

        await using var store = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath));

        Assert.Equal(SqliteStore.LatestSchemaVersion, store.SchemaVersion);
        var storage = new SqliteGrainStorage(store);
        var a = await storage.ReadAsync("s", new GrainId("T", "acme/a"));
        Assert.Equal(("etag-a", "A"), (a!.ETag, System.Text.Encoding.UTF8.GetString(a.Payload)));
        var written = await storage.WriteAsync("s", new GrainId("T", "acme/b"), "B2"u8.ToArray(), "etag-b", []);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync("s", new GrainId("T", "acme/b"), "B3"u8.ToArray(), "etag-b", []));
        Assert.Equal(written.ETag, (await storage.ReadAsync("s", new GrainId("T", "acme/b")))!.ETag);
        Assert.Equal(0L, Query("SELECT COUNT(*) FROM sqlite_master WHERE name = 'grain_state' AND sql LIKE '%WITHOUT ROWID%';"));
        Assert.Equal(1L, Query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'ux_grain_state_key';"));
        Assert.Equal(2L, Query("SELECT COUNT(*) FROM grain_state;"));
    }

    [Fact]
    public async Task OpenAsync_MissingDirectory_CreatesIt()
    {
        var path = Path.Combine(_directory.Path, "data", "nested", "mailmesh.db");

        await using var store = await SqliteStore.OpenAsync(SqliteBackend.Options(path));

        Assert.True(File.Exists(path));
    }

    [Fact]
    public async Task InitializeAsync_RunTwiceAndByTwoStores_AppliesEachMigrationOnceAndKeepsData()
    {
        var grain = GrainId.Create("T", "acme/one");
        await using (var first = await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath)))
        {
            await new SqliteGrainStorage(first).WriteAsync("s", grain, "{}"u8.ToArray(), null, []);
            await first.InitializeAsync();
        }

        var stores = Enumerable.Range(0, 4).Select(_ => new SqliteStore(SqliteBackend.Options(DatabasePath))).ToArray();
        try
        {
            await Task.WhenAll(stores.Select(s => Task.Run(() => s.InitializeAsync())));
            await Task.WhenAll(stores.Select(s => s.InitializeAsync()));

            Assert.All(stores, s => Assert.Equal(SqliteStore.LatestSchemaVersion, s.SchemaVersion));
            Assert.NotNull(await new SqliteGrainStorage(stores[0]).ReadAsync("s", grain));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }

        Assert.Equal((long)SqliteStore.LatestSchemaVersion, Query("SELECT COUNT(*) FROM schema_version;"));
    }

    [Fact]
    public async Task OpenAsync_NewerSchemaVersion_RefusesWithoutChangingTheFile()
    {
        await (await SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath))).DisposeAsync();
        var newer = SqliteStore.LatestSchemaVersion + 5;
        Query($"INSERT INTO schema_version (version, description, applied_at) VALUES ({newer}, 'from the future', '2030-01-01');");

        var error = await Assert.ThrowsAsync<StorageException>(() => SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath)));

        Assert.False(error.IsTransient);
        Assert.Contains(DatabasePath, error.Message, StringComparison.Ordinal);
        Assert.Contains($"schema version {newer}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"up to {SqliteStore.LatestSchemaVersion}", error.Message, StringComparison.Ordinal);
        Assert.Equal((long)newer, Query("SELECT MAX(version) FROM schema_version;"));
    }

    [Fact]
    public async Task OpenAsync_CorruptedHeader_ThrowsNamingTheFile()
    {
        var garbage = new byte[8192];
        new Random(42).NextBytes(garbage);
        await File.WriteAllBytesAsync(DatabasePath, garbage);

        var error = await Assert.ThrowsAsync<StorageException>(() => SqliteStore.OpenAsync(SqliteBackend.Options(DatabasePath)));

        Assert.False(error.IsTransient);
        Assert.Contains(DatabasePath, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a usable MailMesh SQLite database", error.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(DatabasePath));
    }

    [Fact]
    public async Task Operation_OnCorruptedFileWithoutInitialize_ThrowsNamingTheFileEveryTime()
    {
        await File.WriteAllTextAsync(DatabasePath, "this is a text file, not a database; it is long enough to have a header");
        await using var store = new SqliteStore(SqliteBackend.Options(DatabasePath));
        var storage = new SqliteGrainStorage(store);

        var first = await Assert.ThrowsAsync<StorageException>(() => storage.ReadAsync("s", GrainId.Create("T", "acme/x")));
        var second = await Assert.ThrowsAsync<StorageException>(() => new SqliteEventLog(store).GetLastSequenceAsync());

        Assert.Contains(DatabasePath, first.Message, StringComparison.Ordinal);
        Assert.Contains(DatabasePath, second.Message, StringComparison.Ordinal);
    }
}

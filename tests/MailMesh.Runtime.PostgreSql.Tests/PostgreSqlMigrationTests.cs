using MailMesh.Runtime.Storage;
using MailMesh.Testing;
using Npgsql;

namespace MailMesh.Runtime.PostgreSql.Tests;

public sealed class PostgreSqlMigrationTests : IAsyncLifetime
{
    private readonly string _schema = PostgreSqlBackend.NewSchema();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (TestServers.IsReachable(Server.Postgres))
        {
            await PostgreSqlBackend.DropSchemaAsync(_schema);
        }
    }

    [ServerFact(Server.Postgres)]
    public async Task InitializeAsync_EightSilosStartTogether_EachStepAppliedOnceAndAllWork()
    {
        var stores = Enumerable.Range(0, 8).Select(_ => new PostgreSqlStore(PostgreSqlBackend.Options(_schema))).ToArray();
        try
        {
            using var start = new SemaphoreSlim(0);
            var starting = stores.Select(s => Task.Run(async () =>
            {
                await start.WaitAsync();
                await s.InitializeAsync();
            })).ToArray();
            start.Release(stores.Length);

            await Task.WhenAll(starting).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.All(stores, s => Assert.Equal(PostgreSqlStore.LatestSchemaVersion, s.SchemaVersion));
            var versions = await QueryAsync($"SELECT version FROM \"{_schema}\".schema_version ORDER BY version");
            Assert.Equal(Enumerable.Range(1, PostgreSqlStore.LatestSchemaVersion).Select(v => (object)v), versions);
            var writes = stores.Select((s, i) => new PostgreSqlGrainStorage(s).WriteAsync("s", GrainId.Create("T", $"acme/g{i}"), "{}"u8.ToArray(), null,
                [new EventDraft(Guid.NewGuid(), "acme", "t.started", $"acme/g{i}", DateTimeOffset.UnixEpoch, "{}")]));
            var sequences = (await Task.WhenAll(writes)).SelectMany(r => r.EventSequences).Order();
            Assert.Equal(Enumerable.Range(1, stores.Length).Select(n => (long)n), sequences);
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [ServerFact(Server.Postgres)]
    public async Task InitializeAsync_SecondStart_AppliesNothingAndKeepsData()
    {
        await using (var first = await PostgreSqlStore.OpenAsync(PostgreSqlBackend.Options(_schema)))
        {
            await new PostgreSqlReminderTable(first).UpsertAsync(GrainId.Create("T", "acme/x"), "r", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1));
        }

        await using var second = await PostgreSqlStore.OpenAsync(PostgreSqlBackend.Options(_schema));

        Assert.Single(await new PostgreSqlReminderTable(second).ReadAllAsync());
        Assert.Equal(PostgreSqlStore.LatestSchemaVersion, (await QueryAsync($"SELECT version FROM \"{_schema}\".schema_version")).Count);
    }

    [ServerFact(Server.Postgres)]
    public async Task InitializeAsync_NewerSchema_RefusesNamingBothVersionsAndChangesNothing()
    {
        await using (await PostgreSqlStore.OpenAsync(PostgreSqlBackend.Options(_schema)))
        {
        }

        await QueryAsync($"INSERT INTO \"{_schema}\".schema_version (version, description) VALUES (99, 'from the future')");

        var error = await Assert.ThrowsAsync<StorageException>(() => PostgreSqlStore.OpenAsync(PostgreSqlBackend.Options(_schema)));

        Assert.False(error.IsTransient);
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
        Assert.Contains($"up to {PostgreSqlStore.LatestSchemaVersion}", error.Message, StringComparison.Ordinal);
        Assert.Contains("MAILMESH__STORAGE__POSTGRESQL__SCHEMA", error.Message, StringComparison.Ordinal);
    }

    [ServerFact(Server.Postgres)]
    public async Task InitializeAsync_MigrationLockHeldTooLong_FailsSayingWhoToWaitFor()
    {
        await using var holder = new NpgsqlConnection(TestServers.PostgresConnectionString);
        await holder.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@class, @key)", holder))
        {
            take.Parameters.AddWithValue("class", 0x4D4D5347);
            take.Parameters.AddWithValue("key", Internal.SchemaMigrator.LockKey(_schema));
            await take.ExecuteNonQueryAsync();
        }

        var options = PostgreSqlBackend.Options(_schema);
        options.MigrationLockTimeout = TimeSpan.FromSeconds(1);
        var error = await Assert.ThrowsAsync<StorageException>(() => PostgreSqlStore.OpenAsync(options));

        Assert.True(error.IsTransient);
        Assert.Contains("MigrationLockTimeout", error.Message, StringComparison.Ordinal);
        Assert.Empty(await QueryAsync($"SELECT 1 FROM pg_namespace WHERE nspname = '{_schema}'"));
    }

    [ServerFact(Server.Postgres)]
    public async Task InitializeAsync_WrongPassword_FailsPermanentlySayingWhatToCheck()
    {
        var builder = new NpgsqlConnectionStringBuilder(TestServers.PostgresConnectionString) { Password = "not-the-password" };
        var options = PostgreSqlBackend.Options(_schema);
        options.ConnectionString = builder.ConnectionString;

        var error = await Assert.ThrowsAsync<StorageException>(() => PostgreSqlStore.OpenAsync(options));

        Assert.False(error.IsTransient, error.Message);
        Assert.Contains("refused the login", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", error.Message, StringComparison.Ordinal);
    }

    private static async Task<List<object>> QueryAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetValue(0));
        }

        return rows;
    }
}

using MailMesh.Runtime;
using MailMesh.Runtime.Invocation;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;
using Npgsql;

namespace MailMesh.Cluster.Tests;

/// <summary>The PostgreSQL record of delivered message ids: written with the state change it belongs to, never without
/// it, and pruned after the window.</summary>
public sealed class GrainMessageLogTests : IAsyncLifetime
{
    private static readonly GrainId Grain = GrainId.Create("T", "acme/box");
    private ClusterDatabase? _database;
    private PostgreSqlGrainStorage? _storage;

    private PostgreSqlGrainStorage Storage => _storage!;

    public async Task InitializeAsync()
    {
        if (TestServers.IsReachable(Server.Postgres))
        {
            _database = new ClusterDatabase(TimeProvider.System);
            _storage = new PostgreSqlGrainStorage(await _database.OpenStoreAsync());
        }
    }

    public async Task DisposeAsync()
    {
        DeliveredMessage.SetCurrent(null);
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [ServerFact(Server.Postgres)]
    public async Task WasAppliedAsync_WriteMadeWhileAMessageRan_TrueForThatGrainAndMessageOnly()
    {
        DeliveredMessage.SetCurrent("m-1");
        await Storage.WriteAsync("s", Grain, "{}"u8.ToArray(), null, []);
        DeliveredMessage.SetCurrent(null);

        Assert.True(await Storage.WasAppliedAsync(Grain, "m-1"));
        Assert.False(await Storage.WasAppliedAsync(Grain, "m-2"));
        Assert.False(await Storage.WasAppliedAsync(GrainId.Create("T", "acme/other"), "m-1"));
    }

    [ServerFact(Server.Postgres)]
    public async Task WasAppliedAsync_StaleWriteRejected_MessageNotRecorded()
    {
        var first = await Storage.WriteAsync("s", Grain, "{}"u8.ToArray(), null, []);
        await Storage.WriteAsync("s", Grain, "{}"u8.ToArray(), first.ETag, []);
        DeliveredMessage.SetCurrent("m-stale");

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteAsync("s", Grain, "{}"u8.ToArray(), first.ETag, []));

        DeliveredMessage.SetCurrent(null);
        Assert.False(await Storage.WasAppliedAsync(Grain, "m-stale"));
    }

    [ServerFact(Server.Postgres)]
    public async Task WriteAsync_RecordOlderThanTheWindow_PrunedByTheGrainsNextRecordedWrite()
    {
        DeliveredMessage.SetCurrent("m-old");
        var written = await Storage.WriteAsync("s", Grain, "{}"u8.ToArray(), null, []);
        await using (var connection = new NpgsqlConnection(TestServers.PostgresConnectionString))
        {
            await connection.OpenAsync();
            await using var age = new NpgsqlCommand($"UPDATE \"{_database!.Schema}\".grain_messages SET recorded_at = now() - interval '2 days'", connection);
            await age.ExecuteNonQueryAsync();
        }

        DeliveredMessage.SetCurrent("m-new");
        await Storage.WriteAsync("s", Grain, "{}"u8.ToArray(), written.ETag, []);
        DeliveredMessage.SetCurrent(null);

        Assert.False(await Storage.WasAppliedAsync(Grain, "m-old"));
        Assert.True(await Storage.WasAppliedAsync(Grain, "m-new"));
    }
}

using System.Globalization;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;
using Npgsql;
using static MailMesh.Runtime.PostgreSql.Tests.Engagement.HitStoreContractTests;

namespace MailMesh.Runtime.PostgreSql.Tests.Engagement;

/// <summary>The server drops the hit store's connection while a batch is being stored (a PostgreSQL restart or failover):
/// the batch is stored once, on a new connection, or the store fails transiently with nothing stored, so the writer keeps
/// the hits and stores them with its next attempt. To cut the connection in the middle of the statement, another session
/// holds a lock on the hits table, the store's statement waits on it, and the test ends that waiting backend.</summary>
public sealed class PostgreSqlHitStoreConnectionLossTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly string _application = "mailmesh-hits-" + Guid.NewGuid().ToString("N")[..12];
    private PostgreSqlEngagementBackend? _backend;

    private PostgreSqlEngagementBackend Backend => _backend!;

    public async Task InitializeAsync()
    {
        var options = PostgreSqlBackend.Options(PostgreSqlBackend.NewSchema());
        options.ConnectionString = new NpgsqlConnectionStringBuilder(options.ConnectionString) { ApplicationName = _application }.ConnectionString;
        _backend = (PostgreSqlEngagementBackend)await PostgreSqlEngagementBackend.CreateAsync(options);
    }

    public async Task DisposeAsync()
    {
        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task StoreForHandOverAsync_ConnectionDroppedMidStatement_StoresTheBatchOnceOnANewConnection()
    {
        var batch = Batch(2000);
        await using var locker = await LockHitsAsync();

        var storing = Backend.Hits.StoreForHandOverAsync(batch, T0);
        var first = await WaitingBackendAsync(except: null, "the store's first attempt to wait for the lock");
        await TerminateAsync(first);
        await WaitingBackendAsync(except: first, "the store to repeat the batch on a new connection");
        await locker.DisposeAsync();

        var id = await storing.WaitAsync(Patience);
        var open = Assert.Single(await Backend.Hits.OpenHandOversAsync(T0, 10));
        Assert.Equal(id, open.Id);
        Assert.Equal(batch, open.Hits);
        Assert.Equal(new HitCounts(batch.Count, batch.Count, batch.Count, batch.Count), await Backend.Hits.CountAsync("acme", "c1", HitKind.Open));
    }

    [SkippableFact]
    public async Task StoreForHandOverAsync_ConnectionDroppedOnBothAttempts_FailsTransientlyWithNothingStoredAndTheNextAttemptStoresAll()
    {
        var batch = Batch(500);
        await using (var locker = await LockHitsAsync())
        {
            var storing = Backend.Hits.StoreForHandOverAsync(batch, T0);
            var first = await WaitingBackendAsync(except: null, "the store's first attempt to wait for the lock");
            await TerminateAsync(first);
            await TerminateAsync(await WaitingBackendAsync(except: first, "the store's second attempt to wait for the lock"));

            var failure = await Assert.ThrowsAsync<StorageException>(() => storing.WaitAsync(Patience));
            Assert.True(failure.IsTransient, failure.Message);
        }

        Assert.Empty(await Backend.Hits.OpenHandOversAsync(T0.AddDays(1), 10));
        Assert.Equal(new HitCounts(0, 0, 0, 0), await Backend.Hits.CountAsync("acme", "c1", HitKind.Open));

        await Backend.Hits.StoreForHandOverAsync(batch, T0);

        Assert.Equal(batch, Assert.Single(await Backend.Hits.OpenHandOversAsync(T0, 10)).Hits);
        Assert.Equal(batch.Count, (await Backend.Hits.CountAsync("acme", "c1", HitKind.Open)).Raw);
    }

    [SkippableFact]
    public async Task Operations_AfterTheStoresConnectionsWereDropped_SucceedOnNewConnections()
    {
        var hits = Batch(3);
        await Backend.Hits.InsertAsync(hits);
        Assert.True(await TerminateAllAsync() > 0, "no connection of the store was open to drop");

        await Backend.Hits.MarkAsync([(hits[0].Id, HitState.Applied, true, "prefetch")]);
        Assert.True(await TerminateAllAsync() > 0, "no connection of the store was open to drop");

        Assert.Equal(hits.Skip(1), await Backend.Hits.PendingAsync(10));
    }

    private static List<HitRecord> Batch(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Hit(HitKind.Open, $"r{i:D5}@x.org", T0.AddSeconds(i)))];

    /// <summary>A session holding an exclusive lock on the hits table until disposed.</summary>
    private async Task<NpgsqlConnection> LockHitsAsync()
    {
        var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"BEGIN; LOCK TABLE {Backend.Store.Qualify("tracking_hits")} IN ACCESS EXCLUSIVE MODE", connection);
        await command.ExecuteNonQueryAsync();
        return connection;
    }

    /// <summary>The process id of the store's backend that waits for a lock (other than <paramref name="except"/>).</summary>
    private async Task<int> WaitingBackendAsync(int? except, string waitingFor)
    {
        var deadline = DateTime.UtcNow + Patience;
        await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT pid FROM pg_stat_activity WHERE application_name = @app AND wait_event_type = 'Lock' AND pid <> @except LIMIT 1", connection);
        command.Parameters.AddWithValue("app", _application);
        command.Parameters.AddWithValue("except", except ?? 0);
        while (DateTime.UtcNow < deadline)
        {
            if (await command.ExecuteScalarAsync() is int pid)
            {
                return pid;
            }

            // The state lives in the server; there is nothing to wait on but its activity view.
            await Task.Delay(20);
        }

        throw new TimeoutException($"Waited {Patience.TotalSeconds} s for {waitingFor}.");
    }

    private static async Task TerminateAsync(int pid)
    {
        await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", connection);
        command.Parameters.AddWithValue("pid", pid);
        Assert.True((bool)(await command.ExecuteScalarAsync())!, $"backend {pid} was not terminated");
    }

    private async Task<int> TerminateAllAsync()
    {
        await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @app", connection);
        command.Parameters.AddWithValue("app", _application);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}

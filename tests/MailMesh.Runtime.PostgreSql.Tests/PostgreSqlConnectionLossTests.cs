using System.Globalization;
using System.Text;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;
using Npgsql;

namespace MailMesh.Runtime.PostgreSql.Tests;

/// <summary>The server drops every connection of the silos (as a PostgreSQL restart or failover does): pooled
/// connections are dead, the LISTEN connection too. Operations recover on new connections; nothing is lost or applied
/// twice.</summary>
public sealed class PostgreSqlConnectionLossTests : TwoSiloTestBase
{
    private readonly string _application = "mailmesh-test-" + Guid.NewGuid().ToString("N")[..12];

    protected override PostgreSqlStorageOptions Options(string schema)
    {
        var options = PostgreSqlBackend.Options(schema);
        options.ConnectionString = new NpgsqlConnectionStringBuilder(options.ConnectionString) { ApplicationName = _application }.ConnectionString;
        return options;
    }

    [ServerFact(Server.Postgres)]
    public async Task Operations_AfterEveryConnectionWasDropped_SucceedOnNewConnections()
    {
        var storage = new PostgreSqlGrainStorage(SiloA);
        var grain = GrainId.Create("T", "acme/box");
        var first = await storage.WriteAsync("state", grain, "1"u8.ToArray(), null, [Event(grain.Key)]);
        await new PostgreSqlReminderTable(SiloA).UpsertAsync(grain, "sync", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1));

        Assert.True(await TerminateConnectionsAsync() > 0, "no connection of the silos was open to drop");

        Assert.Equal("1"u8.ToArray(), (await storage.ReadAsync("state", grain))!.Payload);
        var second = await storage.WriteAsync("state", grain, "2"u8.ToArray(), first.ETag, [Event(grain.Key)]);
        Assert.Equal([2L], second.EventSequences);
        Assert.Single(await new PostgreSqlReminderTable(SiloA).ReadAllAsync());
        Assert.Equal(2, await new PostgreSqlEventLog(SiloA).GetLastSequenceAsync());
    }

    [ServerFact(Server.Postgres)]
    public async Task WaitForEventsAsync_ListenConnectionDropped_ReconnectsAndWakesOnTheNextCommit()
    {
        var waiting = new PostgreSqlEventLog(SiloB).WaitForEventsAsync(0);
        await Within(SiloB.Listening, "silo B to LISTEN for event notifications");

        var relisten = SiloB.NextListen;
        await TerminateConnectionsAsync();
        await Within(relisten, "silo B's listener to reconnect after its connection was dropped");
        await new PostgreSqlGrainStorage(SiloA).WriteAsync("state", GrainId.Create("T", "acme/x"), "{}"u8.ToArray(), null, [Event("acme/x")]);

        await Within(waiting, "silo B's wait to wake after the listener reconnected and silo A appended an event");
    }

    [ServerFact(Server.Postgres)]
    public async Task WriteAsync_ConnectionsDroppedDuringLoad_FailuresAreTransientAndEveryCommittedIncrementHasOneEvent()
    {
        var counter = GrainId.Create("T", "acme/counter");
        var (succeeded, unknown) = (0, 0);
        for (var round = 0; round < 5; round++)
        {
            var load = new[] { SiloA, SiloB }.Select(silo => Task.Run(async () =>
            {
                var storage = new PostgreSqlGrainStorage(silo);
                var (ok, failed) = (0, 0);
                for (var i = 0; i < 20; i++)
                {
                    try
                    {
                        var stored = await storage.ReadAsync("state", counter);
                        var value = stored is null ? 0 : int.Parse(Encoding.UTF8.GetString(stored.Payload), CultureInfo.InvariantCulture);
                        await storage.WriteAsync("state", counter, Encoding.UTF8.GetBytes((value + 1).ToString(CultureInfo.InvariantCulture)), stored?.ETag, [Event(counter.Key)]);
                        ok++;
                    }
                    catch (InconsistentStateException)
                    {
                        // The other silo won this round; read again.
                    }
                    catch (StorageException e) when (e.IsTransient)
                    {
                        failed++;
                    }
                }

                return (ok, failed);
            })).ToArray();
            await TerminateConnectionsAsync();
            foreach (var (ok, failed) in await Within(Task.WhenAll(load), "the increments of both silos while connections were dropped"))
            {
                succeeded += ok;
                unknown += failed;
            }
        }

        var final = int.Parse(Encoding.UTF8.GetString((await new PostgreSqlGrainStorage(SiloA).ReadAsync("state", counter))!.Payload), CultureInfo.InvariantCulture);
        Assert.InRange(final, succeeded, succeeded + unknown);
        var events = await new PostgreSqlEventLog(SiloB).ReadAsync(0, 1000);
        Assert.Equal(Enumerable.Range(1, final).Select(n => (long)n), events.Select(e => e.Sequence));
    }

    private async Task<int> TerminateConnectionsAsync()
    {
        await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = @app", connection);
        command.Parameters.AddWithValue("app", _application);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}

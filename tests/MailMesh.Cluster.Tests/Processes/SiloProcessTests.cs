using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;

namespace MailMesh.Cluster.Tests.Processes;

/// <summary>Silo processes run one at a time: each test starts several .NET processes on two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SiloProcessCollection
{
    public const string Name = "silo processes";
}

/// <summary>Three silo processes on the real PostgreSQL and RabbitMQ under a load of counter calls: a silo killed with
/// SIGKILL, silos leaving and joining, a silo paused with SIGSTOP, PostgreSQL cut off. Every counter must end exact,
/// with each value in the event log once.</summary>
[Collection(SiloProcessCollection.Name)]
public sealed class SiloProcessTests
{
    private static readonly string[] Keys = Enumerable.Range(0, 36).Select(i => $"acme/k{i}").ToArray();

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Kill9_SiloDiesDuringLoad_ItsShardsMoveWithinDetectionAndNoCallIsLostOrApplieTwice()
    {
        await using var cluster = new ProcessCluster();
        var silos = await cluster.StartSilosAsync("silo-1", "silo-2", "silo-3");
        var client = await cluster.StartClientAsync();
        var where = await cluster.WaitForSpreadAsync(Keys, ["silo-1", "silo-2", "silo-3"]);
        var load = new CounterLoad(client.Grains, Keys);
        load.Start(callers: 12);
        await load.WaitForSuccessesAsync(300, ProcessCluster.Patience, "before the kill");

        var orphaned = Keys.Where(k => where[k] == "silo-3").ToArray();
        var killedAt = load.Elapsed;
        await silos[2].KillAsync();
        await load.WaitForEachAsync(orphaned, killedAt, ProcessCluster.Patience, "the killed silo's counters, after the kill");
        await load.WaitForSuccessesAsync(600, ProcessCluster.Patience, "after the kill");
        await load.StopAsync();

        Assert.True(load.Errors.IsEmpty, string.Join("\n", load.Errors.Take(10)) + "\n" + cluster.Diagnostics());
        var recovered = orphaned.Select(k => load.Outcomes[k].FirstSuccessAfter(killedAt)).ToArray();
        Assert.All(recovered, r => Assert.NotNull(r));
        var recovery = recovered.Max()!.Value - killedAt;
        // Detection is the 3 s death timeout plus a refresh; the bound leaves room for a loaded machine.
        Assert.True(recovery < TimeSpan.FromSeconds(15), $"the killed silo's counters answered again only after {recovery.TotalSeconds:0.0} s");
        foreach (var key in orphaned)
        {
            Assert.NotEqual("silo-3", await client.Grains.GetGrain<IChaosCounterGrain>(key).WhereAmI());
        }

        await cluster.AssertExactAsync(load);
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task ScaleDownAndUp_SilosLeaveAndJoinDuringLoad_ClientsSeeNoErrorAndEveryCounterIsExact()
    {
        await using var cluster = new ProcessCluster();
        var silos = await cluster.StartSilosAsync("silo-1", "silo-2", "silo-3");
        var client = await cluster.StartClientAsync();
        await cluster.WaitForSpreadAsync(Keys, ["silo-1", "silo-2", "silo-3"]);
        var load = new CounterLoad(client.Grains, Keys);
        load.Start(callers: 12);
        await load.WaitForSuccessesAsync(200, ProcessCluster.Patience, "with 3 silos");

        await silos[2].StopAsync(ProcessCluster.Patience);
        await load.WaitForSuccessesAsync(200, ProcessCluster.Patience, "after scaling down to 2 silos");
        await cluster.StartSilosAsync("silo-4", "silo-5");
        await cluster.WaitForSpreadAsync(Keys, ["silo-1", "silo-2", "silo-4", "silo-5"]);
        await load.WaitForSuccessesAsync(200, ProcessCluster.Patience, "after scaling up to 4 silos");
        await load.StopAsync();

        Assert.True(load.Errors.IsEmpty, string.Join("\n", load.Errors.Take(10)) + "\n" + cluster.Diagnostics());
        Assert.All(load.Outcomes.Values, o => Assert.Equal(0, o.AlreadyApplied));
        await cluster.AssertExactAsync(load);
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Pause_SiloStoppedMidTurnAndResumedAfterItsShardsMoved_ItsStaleWriteIsFenced()
    {
        await using var cluster = new ProcessCluster();
        var silos = await cluster.StartSilosAsync("silo-1", "silo-2", "silo-3");
        var client = await cluster.StartClientAsync();
        // The grain is chosen once every silo applied the same shard map: no late rebalance can move it off silo-3.
        var where = await cluster.WaitForSpreadAsync(Keys, ["silo-1", "silo-2", "silo-3"]);
        var stable = silos[2].ShardMap!;
        var key = Keys.First(k => where[k] == "silo-3");
        var shard = GrainShards.ShardOf(new GrainId(typeof(IChaosCounterGrain).FullName!, key), ProcessCluster.Shards);
        Assert.Contains(shard, stable.Owned);
        var grain = client.Grains.GetGrain<IChaosCounterGrain>(key);
        Assert.Equal("silo-3", await grain.WhereAmI());
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(i, await grain.Add(1));
        }

        var holding = silos[2].WaitForLineAsync($"HOLDING {key} on silo-3", ProcessCluster.Patience);
        var held = grain.AddAfter(1, holdMilliseconds: 6000); // long enough to be paused in it on a loaded machine
        await Task.WhenAny(holding, held);
        Assert.False(held.IsCompleted, $"the held call ended before the pause: {(held.IsFaulted ? held.Exception : held.Result)}\n{cluster.Diagnostics()}");
        await holding;
        await silos[2].PauseAsync();
        Assert.True(silos[2].ShardMap?.Version == stable.Version, $"silo-3's shard map changed before the pause: {stable} then {silos[2].ShardMap}\n{cluster.Diagnostics()}");

        // The paused silo's broker connection times out and its peers declare it dead: the held call is delivered again
        // to the new owner, which applies it once.
        Assert.Equal(4, await held.WaitAsync(ProcessCluster.Patience));
        var newOwner = await grain.WhereAmI();
        Assert.NotEqual("silo-3", newOwner);
        Assert.Equal(14, await grain.Add(10));

        await silos[2].ResumeAsync();
        await silos[2].WaitForExitAsync(ProcessCluster.Patience, "declared dead while paused, it must stop");
        Assert.Equal(14, await grain.Get());
        var events = (await cluster.ReadAddedEventsAsync())[key];
        Assert.Equal([1, 2, 3, 4, 14], events.Order());
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task PostgreSqlOutage_DatabaseUnreachableFor10Seconds_CallsFailAsUnavailableThenRecover()
    {
        var direct = new Npgsql.NpgsqlConnectionStringBuilder(TestServers.PostgresConnectionString);
        await using var proxy = new TcpProxy(direct.Host!, direct.Port);
        var proxied = new Npgsql.NpgsqlConnectionStringBuilder(TestServers.PostgresConnectionString) { Host = "127.0.0.1", Port = proxy.Port };
        await using var cluster = new ProcessCluster(proxied.ConnectionString);
        await cluster.StartSilosAsync("silo-1", "silo-2");
        var client = await cluster.StartClientAsync();
        await cluster.WaitForSpreadAsync(Keys, ["silo-1", "silo-2"]);
        var load = new CounterLoad(client.Grains, Keys);
        load.Start(callers: 8);
        await load.WaitForSuccessesAsync(100, ProcessCluster.Patience, "before the outage");

        proxy.Cut();
        var errorsBefore = load.Errors.Count;
        // The outage itself: how long the database stays unreachable is the fault under test.
        await Task.Delay(TimeSpan.FromSeconds(10));
        var errorsDuring = load.Errors.Count - errorsBefore;
        proxy.Restore();
        await load.WaitForSuccessesAsync(300, ProcessCluster.Patience, "after the database came back");
        var errorsAfterRecovery = load.Errors.Count;
        await load.WaitForSuccessesAsync(300, ProcessCluster.Patience, "once recovered");
        await load.StopAsync();

        Assert.True(errorsDuring > 0, "no call failed while PostgreSQL was unreachable");
        Assert.All(load.ErrorTypes, t => Assert.Contains(t, new[] { nameof(StorageException), nameof(InconsistentStateException), nameof(GrainActivationException), "StateReadException" }));
        Assert.True(errorsAfterRecovery == load.Errors.Count,
            $"calls still failed once PostgreSQL was back:\n{string.Join("\n", load.Errors.Skip(errorsAfterRecovery).Take(10))}\n{cluster.Diagnostics()}");
        Assert.All(cluster.Silos, s => Assert.False(s.HasExited, $"{s.Id} exited:\n{s.Output}"));
        var events = await cluster.ReadAddedEventsAsync();
        foreach (var key in Keys)
        {
            var value = await client.Grains.GetGrain<IChaosCounterGrain>(key).Get();
            var outcome = load.Outcomes[key];
            // A write cut off in the middle of its commit may have committed: the caller saw an error for it.
            Assert.InRange(value, outcome.Values.Count, outcome.Values.Count + outcome.Failed);
            Assert.Equal(Enumerable.Range(1, (int)value).Select(v => (long)v), events.GetValueOrDefault(key, []).Order());
        }
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task BrokerConnectionLoss_EverySilosConnectionDropsDuringLoad_SilosReconnectAndEveryCounterIsExact()
    {
        var broker = TestServers.RabbitMqUri;
        await using var proxy = new TcpProxy(broker.Host, broker.Port);
        var proxied = new UriBuilder(broker) { Host = "127.0.0.1", Port = proxy.Port }.Uri;
        await using var cluster = new ProcessCluster(rabbitMq: proxied);
        await cluster.StartSilosAsync("silo-1", "silo-2", "silo-3");
        var client = await cluster.StartClientAsync();
        await cluster.WaitForSpreadAsync(Keys, ["silo-1", "silo-2", "silo-3"]);
        var load = new CounterLoad(client.Grains, Keys);
        load.Start(callers: 12);
        await load.WaitForSuccessesAsync(200, ProcessCluster.Patience, "before the connections dropped");

        proxy.Cut(); // the broker drops every silo's connection: unacknowledged deliveries go back to their queues
        proxy.Restore();
        await load.WaitForSuccessesAsync(600, ProcessCluster.Patience, "after the silos reconnected");
        await load.StopAsync();

        Assert.True(load.Errors.IsEmpty, string.Join("\n", load.Errors.Take(10)) + "\n" + cluster.Diagnostics());
        Assert.All(cluster.Silos, s => Assert.False(s.HasExited, $"{s.Id} exited:\n{s.Output}"));
        Assert.All(cluster.Silos, s => Assert.Contains("Connection to the broker lost", s.Output, StringComparison.Ordinal));
        await cluster.AssertExactAsync(load);
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task BrokerRestart_PrivateRabbitMqRestartedDuringLoad_SilosReconnectAndNoAcknowledgedCallIsLost()
    {
        // A broker of this test's own: restarting the shared one would break every other test using it.
        await using var broker = await PrivateRabbitMq.StartAsync();
        await using var cluster = new ProcessCluster(rabbitMq: broker.Uri) { ClientRabbitMq = broker.Uri };
        await cluster.StartSilosAsync("silo-1", "silo-2", "silo-3");
        var client = await cluster.StartClientAsync();
        await cluster.WaitForSpreadAsync(Keys, ["silo-1", "silo-2", "silo-3"]);
        var load = new CounterLoad(client.Grains, Keys);
        load.Start(callers: 12);
        await load.WaitForSuccessesAsync(200, ProcessCluster.Patience, "before the broker restart");
        var errorsBefore = load.Errors.ToArray();

        // stop_app closes every connection and stops the queues: calls waiting in them (transient) are gone, turns in
        // flight cannot be acknowledged. start_app brings the durable queues back.
        await broker.StopAppAsync();
        await broker.StartAppAsync();
        var restartedAt = load.Elapsed;
        await load.WaitForEachAsync(Keys, restartedAt, ProcessCluster.Patience, "every counter, after the broker restart");
        var errorsAfterRecovery = load.Errors.Count;
        await load.WaitForSuccessesAsync(300, ProcessCluster.Patience, "once the silos reconnected");
        await load.StopAsync();

        Assert.True(errorsBefore.Length == 0, string.Join("\n", errorsBefore.Take(10)));
        Assert.True(load.Errors.Count > 0, "no call failed while the broker was down");
        Assert.All(load.ErrorTypes, t => Assert.Contains(t, new[] { nameof(SiloUnavailableException), nameof(GrainCallTimeoutException) }));
        Assert.True(errorsAfterRecovery == load.Errors.Count,
            $"calls still failed once every counter answered again:\n{string.Join("\n", load.Errors.Skip(errorsAfterRecovery).Take(10))}\n{cluster.Diagnostics()}");
        Assert.All(cluster.Silos, s => Assert.False(s.HasExited, $"{s.Id} exited:\n{s.Output}"));
        Assert.All(cluster.Silos, s => Assert.Contains("Connection to the broker lost", s.Output, StringComparison.Ordinal));
        Assert.All(cluster.Silos, s => Assert.Contains("Connection to the broker recovered", s.Output, StringComparison.Ordinal));
        // A call cut off by the restart may have committed before its answer was lost: its caller saw an error, so
        // each counter lies between its acknowledged calls and those plus its failed ones, and the event log holds
        // every value once.
        await cluster.AssertExactAsync(load, allowUnacknowledged: true);
    }
}

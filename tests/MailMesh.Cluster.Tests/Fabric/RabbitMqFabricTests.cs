using System.Text;
using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.Invocation;
using MailMesh.Runtime.RabbitMq;
using MailMesh.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace MailMesh.Cluster.Tests.Fabric;

/// <summary>Silos in one process on the real broker and database: calls reach the silo consuming the grain's shard,
/// answers and errors come back, shards move on leave and crash without losing state.</summary>
public sealed class RabbitMqFabricTests : TestClusterPerTest
{
    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Call_TwoSilos_EachGrainRunsOnItsShardOwnerAndAnswers()
    {
        var (a, b) = await Cluster.StartTwoSilosAsync();
        var owners = GrainShards.Assign(["silo-a", "silo-b"], TestCluster.Shards);

        var where = new Dictionary<string, string>();
        for (var i = 0; i < 24; i++)
        {
            var key = $"acme/c{i}";
            var caller = i % 2 == 0 ? a : b;
            Assert.Equal(i + 1, await caller.Grains.GetGrain<IClusterCounterGrain>(key).Add(i + 1));
            where[key] = await caller.Grains.GetGrain<IClusterCounterGrain>(key).WhereAmI();
        }

        foreach (var (key, silo) in where)
        {
            var id = new GrainId(typeof(IClusterCounterGrain).FullName!, key);
            Assert.Equal(owners[GrainShards.ShardOf(id, TestCluster.Shards)], silo);
        }

        Assert.Contains("silo-a", where.Values);
        Assert.Contains("silo-b", where.Values);
        Assert.Equal(Enumerable.Range(0, TestCluster.Shards).Where(s => owners[s] == "silo-a"), a.Fabric.ConsumedShards);
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Call_GrainThrowsOnAnotherSilo_CallerGetsTheSameExceptionTypeAndProperties()
    {
        var (a, _) = await Cluster.StartTwoSilosAsync();
        var key = KeyOwnedBy("silo-b");

        var error = await Assert.ThrowsAsync<QuotaExceededException>(() => a.Grains.GetGrain<IClusterCounterGrain>(key).Fail("full"));

        Assert.Equal(key, error.Mailbox);
        Assert.Equal(42, error.Limit);
        Assert.Equal($"Mailbox '{key}' is over its quota of 42 messages.", error.Message);
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Call_GrainReferenceAsArgument_CalleeCallsThroughIt()
    {
        var (a, _) = await Cluster.StartTwoSilosAsync();
        var onB = a.Grains.GetGrain<IClusterCounterGrain>(KeyOwnedBy("silo-b"));
        var onA = a.Grains.GetGrain<IClusterCounterGrain>(KeyOwnedBy("silo-a"));

        Assert.Equal(5, await onB.AddThrough(onA, 5));
        Assert.Equal(5, await onA.Get());
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Leave_SiloShutsDownGracefully_ItsShardsMoveAndEveryCounterIsExact()
    {
        var (a, b) = await Cluster.StartTwoSilosAsync();
        var keys = Enumerable.Range(0, 16).Select(i => $"acme/leave{i}").ToArray();
        await AddToAllAsync(a, keys, rounds: 3);

        await b.LeaveAsync();
        await Cluster.ConvergeAsync();
        await AddToAllAsync(a, keys, rounds: 2);

        Assert.Equal(Enumerable.Range(0, TestCluster.Shards), a.Fabric.ConsumedShards);
        foreach (var key in keys)
        {
            var grain = a.Grains.GetGrain<IClusterCounterGrain>(key);
            Assert.Equal(5, await grain.Get());
            Assert.Equal("silo-a", await grain.WhereAmI());
        }
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Crash_SiloDiesWithoutLeaving_PeersTakeItsShardsAfterTheDeathTimeoutAndStateSurvives()
    {
        var (a, b) = await Cluster.StartTwoSilosAsync();
        var keys = Enumerable.Range(0, 16).Select(i => $"acme/crash{i}").ToArray();
        await AddToAllAsync(a, keys, rounds: 2);
        Assert.NotEmpty(b.Fabric.ConsumedShards);

        await b.CrashAsync();
        Cluster.Clock.Advance(TimeSpan.FromSeconds(3)); // past the 2 s death timeout of the test cluster
        await Cluster.ConvergeAsync();

        Assert.Equal(MemberStatus.Dead, a.Membership.View.Find("silo-b")!.Status);
        await AddToAllAsync(a, keys, rounds: 1);
        foreach (var key in keys)
        {
            Assert.Equal(3, await a.Grains.GetGrain<IClusterCounterGrain>(key).Get());
        }
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task SendOneWay_HandlerAlwaysThrows_DeadLetteredWithTheErrorAfterMaxAttempts()
    {
        var a = await Cluster.StartSiloAsync("silo-a", maxDeliveryAttempts: 3);
        await Cluster.ConvergeAsync();
        var method = GrainInterfaceRegistry.Find(typeof(IClusterCounterGrain))!.Methods.Single(m => m.Name == nameof(IClusterCounterGrain.Fail));
        var request = (GrainRequest<GrainVoid>)method.CreateRequest();
        request.SetArgument(0, "poison");
        var grain = new GrainId(typeof(IClusterCounterGrain).FullName!, "acme/poison");
        await using var dead = await DeadLetterWatch.StartAsync(a.Fabric.DeadLetterQueue);

        await a.Fabric.SendOneWayAsync(grain, request);

        var letter = await ClusterDatabase.Within(dead.First, "the poison message in the dead-letter queue");
        Assert.Equal(3L, letter.Attempts);
        Assert.Contains("QuotaExceededException", letter.Error, StringComparison.Ordinal);
        Assert.Contains("over its quota", letter.Error, StringComparison.Ordinal);
        Assert.Equal(RabbitMqFabric.QueueName(Cluster.QueuePrefix, GrainShards.ShardOf(grain, TestCluster.Shards)), letter.OriginalQueue);
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task IsLocal_AfterTheShardsFirstDelivery_CallsRunLocallyWithoutTheBroker()
    {
        var a = await Cluster.StartSiloAsync("silo-a");
        await Cluster.ConvergeAsync();
        var id = new GrainId(typeof(IClusterCounterGrain).FullName!, "acme/local");
        Assert.False(a.Fabric.IsLocal(id));

        await a.Grains.GetGrain<IClusterCounterGrain>("acme/local").Add(1);

        Assert.True(a.Fabric.IsLocal(id));
        Assert.Equal(2, await a.Grains.GetGrain<IClusterCounterGrain>("acme/local").Add(1));
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Reminder_InEverySilosTable_FiresOnlyOnTheSiloConsumingItsShard()
    {
        var type = typeof(IReminderProbeGrain).FullName!;
        var key = TestCluster.KeysOwnedBy<IReminderProbeGrain>("silo-b", Enumerable.Range(0, 1000).Select(_ => $"acme/r{Guid.NewGuid():N}")).First();
        var first = ReminderProbeGrain.FirstTick.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var table = new MailMesh.Runtime.PostgreSql.PostgreSqlReminderTable(await Cluster.Database.OpenStoreAsync());
        await table.UpsertAsync(new GrainId(type, key), "tick", Cluster.Clock.GetUtcNow().AddSeconds(5), TimeSpan.FromMinutes(1));
        var (a, b) = await Cluster.StartTwoSilosAsync();

        Cluster.Clock.Advance(TimeSpan.FromSeconds(6));

        await ClusterDatabase.Within(first.Task, "the reminder tick on the silo consuming the grain's shard");
        Assert.Equal(["silo-b"], ReminderProbeGrain.Ticks[key]);
        Assert.True(b.Fabric.OwnsShardOf(new GrainId(type, key)));
        Assert.False(a.Fabric.OwnsShardOf(new GrainId(type, key)));
    }

    private static async Task AddToAllAsync(TestSilo caller, string[] keys, int rounds)
    {
        for (var round = 0; round < rounds; round++)
        {
            await Task.WhenAll(keys.Select(k => caller.Grains.GetGrain<IClusterCounterGrain>(k).Add(1)));
        }
    }

    private static string KeyOwnedBy(string silo)
    {
        return TestCluster.KeysOwnedBy<IClusterCounterGrain>(silo, Enumerable.Range(0, 1000).Select(i => $"acme/k{i}")).First();
    }

    private sealed record DeadLetter(long Attempts, string Error, string OriginalQueue);

    /// <summary>Consumes the dead-letter queue; <see cref="First"/> completes with the first letter.</summary>
    private sealed class DeadLetterWatch : IAsyncDisposable
    {
        private readonly TaskCompletionSource<DeadLetter> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private IConnection _connection = null!;

        public Task<DeadLetter> First => _first.Task;

        public static async Task<DeadLetterWatch> StartAsync(string queue)
        {
            var watch = new DeadLetterWatch();
            watch._connection = await new ConnectionFactory { Uri = TestServers.RabbitMqUri }.CreateConnectionAsync();
            var channel = await watch._connection.CreateChannelAsync();
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                var headers = delivery.BasicProperties.Headers!;
                watch._first.TrySetResult(new DeadLetter(
                    Convert.ToInt64(headers["mm-attempt"], System.Globalization.CultureInfo.InvariantCulture),
                    Encoding.UTF8.GetString((byte[])headers["mm-error-message"]!),
                    Encoding.UTF8.GetString((byte[])headers["mm-original-queue"]!)));
                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
            return watch;
        }

        public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
    }
}

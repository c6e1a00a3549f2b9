using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;
using MailMesh.Testing;

namespace MailMesh.Cluster.Tests.Fabric;

/// <summary>Reminders registered while the cluster runs follow their grain's shard: each silo knows the reminders it
/// read at start and those its own grains registered, so a silo taking over a shard must read the table again.</summary>
public sealed class ReminderHandOverTests : TestClusterPerTest
{
    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Reminder_RegisteredAfterStartOnASiloThatThenDies_FiresOnTheNewShardOwner()
    {
        var (a, b) = await Cluster.StartTwoSilosAsync();
        var key = KeyOwnedBy("silo-b");
        var first = ReminderProbeGrain.FirstTick.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        // Registered by the grain on silo-b after both silos started: silo-a never read it at its start.
        await a.Grains.GetGrain<IReminderProbeGrain>(key).Remind("tick", TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1));

        await b.CrashAsync();
        Cluster.Clock.Advance(TimeSpan.FromSeconds(3)); // past the 2 s death timeout: silo-a declares silo-b dead
        await Cluster.ConvergeAsync();
        Assert.True(a.Fabric.OwnsShardOf(Grain(key)), "silo-a did not take silo-b's shard");
        Cluster.Clock.Advance(TimeSpan.FromSeconds(10));

        await ClusterDatabase.Within(first.Task, "the reminder tick on silo-a, the grain's new shard owner");
        Assert.Equal(["silo-a"], ReminderProbeGrain.Ticks[key]);
    }

    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Reminder_RegisteredAfterStartOnASiloThatLeaves_FiresOnTheSiloTakingTheShard()
    {
        var (a, b) = await Cluster.StartTwoSilosAsync();
        var key = KeyOwnedBy("silo-b");
        var first = ReminderProbeGrain.FirstTick.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await b.Grains.GetGrain<IReminderProbeGrain>(key).Remind("tick", TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1));

        await b.LeaveAsync(); // graceful: hands its shards over and leaves the table
        await Cluster.ConvergeAsync();
        Assert.True(a.Fabric.OwnsShardOf(Grain(key)), "silo-a did not take silo-b's shard");
        Cluster.Clock.Advance(TimeSpan.FromSeconds(11));

        await ClusterDatabase.Within(first.Task, "the reminder tick on silo-a after silo-b left");
        Assert.Equal(["silo-a"], ReminderProbeGrain.Ticks[key]);
    }

    private static GrainId Grain(string key) => new(typeof(IReminderProbeGrain).FullName!, key);

    private static string KeyOwnedBy(string silo) =>
        TestCluster.KeysOwnedBy<IReminderProbeGrain>(silo, Enumerable.Range(0, 1000).Select(_ => $"acme/r{Guid.NewGuid():N}")).First();
}

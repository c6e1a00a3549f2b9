using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.Tests.Grains;
using MailMesh.Runtime.Tests.Infrastructure;
using MailMesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Runtime.Tests;

/// <summary>Reminder ticks in cluster mode: only the silo consuming the grain's shard fires them, and a tick that fell
/// due while the shard was on its way here (the reminder table is reloaded before the hand-over ends) fires once the
/// shard is acquired.</summary>
public sealed class ReminderOwnershipTests
{
    [Fact]
    public async Task TickSkippedWhileTheShardWasElsewhere_FiresWhenTheShardIsAcquired()
    {
        var (probe, time, ownership, silo) = await StartAsync();
        await using var _ = silo;
        var grain = silo.GrainFactory.GetGrain<IReminderGrain>("t1/moving");
        await grain.Start("poll", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10));

        ownership.Owned = false;
        time.Advance(TimeSpan.FromMinutes(1)); // the manual clock runs the reminder timer inline
        await Barrier(grain);
        Assert.DoesNotContain(probe.Log, e => e.StartsWith("reminder:t1/moving", StringComparison.Ordinal));

        ownership.Acquire();
        await probe.WhenRecorded("reminder:t1/moving:poll@00:01:00").Within("the skipped tick after the shard moved here");
        Assert.Single(probe.Log, e => e.StartsWith("reminder:t1/moving", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TickSkippedLongBeforeTheShardIsAcquired_IsNotFiredAgain()
    {
        var (probe, time, ownership, silo) = await StartAsync();
        await using var _ = silo;
        var grain = silo.GrainFactory.GetGrain<IReminderGrain>("t1/old");
        await grain.Start("poll", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10));

        ownership.Owned = false;
        time.Advance(TimeSpan.FromMinutes(1));
        time.Advance(TimeSpan.FromMinutes(2));
        ownership.Acquire();
        await Barrier(grain);
        Assert.DoesNotContain(probe.Log, e => e.StartsWith("reminder:t1/old", StringComparison.Ordinal));

        // The next tick is the owner's as usual.
        time.Advance(TimeSpan.FromMinutes(8));
        await probe.WhenRecorded("reminder:t1/old:poll@00:11:00").Within("the next tick on the new owner");
    }

    /// <summary>A call to the grain: turns run one at a time, so a tick dispatched before it has been delivered when it
    /// returns.</summary>
    private static Task Barrier(IReminderGrain grain) => grain.Stop("no-such-reminder");

    private static async Task<(Probe Probe, ManualTimeProvider Time, SwitchableOwnership Ownership, Silo Silo)> StartAsync()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        var ownership = new SwitchableOwnership();
        var silo = await TestSilo.StartInMemoryAsync(probe, time, services: s => s.AddSingleton<IShardOwnership>(ownership));
        return (probe, time, ownership, silo);
    }

    /// <summary>A silo's shard ownership that the test moves: all shards or none.</summary>
    private sealed class SwitchableOwnership : IShardOwnership
    {
        public bool Owned { get; set; } = true;

        public event Action? ShardsAcquired;

        public bool OwnsShardOf(GrainId grain) => Owned;

        public void Acquire()
        {
            Owned = true;
            ShardsAcquired?.Invoke();
        }
    }
}

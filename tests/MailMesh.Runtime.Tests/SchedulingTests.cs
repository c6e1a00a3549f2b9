using MailMesh.Runtime.Tests.Grains;
using MailMesh.Runtime.Tests.Infrastructure;

namespace MailMesh.Runtime.Tests;

public sealed class SchedulingTests
{
    [Fact]
    public async Task Add_HundredConcurrentCallersWithoutLocks_EndsExact()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var counter = silo.GrainFactory.GetGrain<ICounterGrain>("t1/counter");

        var callers = Enumerable.Range(0, 100).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await counter.Add(1);
            }
        }));
        await Task.WhenAll(callers).Within("100 callers adding 20 times each");

        Assert.Equal(2000, await counter.Get());
    }

    [Fact]
    public async Task Call_NonReentrantGrainBusy_SecondCallStartsAfterFirstEnds()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var grain = silo.GrainFactory.GetGrain<ITurnGrain>("t1/turns");

        var hold = grain.Hold("g1");
        await probe.WhenRecorded("t1/turns:hold-start:g1").Within("the first call to start");
        var quick = grain.Quick("q1");
        probe.Open("g1");
        await Task.WhenAll(hold, quick).Within("both calls");

        Assert.Equal(["t1/turns:hold-start:g1", "t1/turns:hold-end:g1", "t1/turns:quick:q1"], probe.Log.ToArray());
    }

    [Fact]
    public async Task Call_ReentrantGrainBusy_SecondCallInterleaves()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var grain = silo.GrainFactory.GetGrain<IReentrantTurnGrain>("t1/reentrant");

        var hold = grain.Hold("g1");
        await probe.WhenRecorded("t1/reentrant:hold-start:g1").Within("the first call to start");
        await grain.Quick("q1").Within("the second call while the first waits");
        probe.Open("g1");
        await hold.Within("the first call");

        Assert.Equal(["t1/reentrant:hold-start:g1", "t1/reentrant:quick:q1", "t1/reentrant:hold-end:g1"], probe.Log.ToArray());
    }

    [Fact]
    public async Task Call_ReadOnlyMethods_RunTogether()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var grain = silo.GrainFactory.GetGrain<ITurnGrain>("t1/readers");

        var first = grain.Read("r1");
        var second = grain.Read("r2");
        await probe.WhenRecorded("t1/readers:read-start:r1").Within("the first read");
        await probe.WhenRecorded("t1/readers:read-start:r2").Within("the second read to start while the first waits");
        probe.Open("r1");
        probe.Open("r2");
        await Task.WhenAll(first, second).Within("both reads");
    }

    [Fact]
    public async Task Call_AlwaysInterleaveMethodOnBusyGrain_RunsAtOnce()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var grain = silo.GrainFactory.GetGrain<ITurnGrain>("t1/interleave");

        var hold = grain.Hold("g");
        await probe.WhenRecorded("t1/interleave:hold-start:g").Within("the holding call");
        Assert.Equal("x", await grain.Interleave("x").Within("the interleaving call while the grain is busy"));
        probe.Open("g");
        await hold.Within("the holding call");
    }

    [Fact]
    public async Task Proxy_ValueTaskAndInheritedMethods_Work()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var counter = silo.GrainFactory.GetGrain<ICounterGrain>("t1/fast");

        Assert.Equal(5, await counter.AddFast(5));
        await counter.Touch();
        Assert.Equal("t1/fast", await counter.WhoAmI());
        Assert.Equal("t1/named", await silo.GrainFactory.GetGrain<INamedGrain>("t1/named").WhoAmI());
    }
}

using MailMesh.Runtime.Tests.Grains;
using MailMesh.Runtime.Tests.Infrastructure;

namespace MailMesh.Runtime.Tests;

public sealed class LifecycleTests
{
    [Fact]
    public async Task FirstCall_ActivatesOnceAndDeactivateOnIdle_RunsBothHooks()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("t1/life");

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => grain.Ping())).Within("20 concurrent first calls");
        Assert.Single(probe.Log, e => e == "activate:t1/life");

        await grain.Deactivate();
        await probe.WhenRecorded("deactivate:t1/life:ApplicationRequested").Within("OnDeactivateAsync");
        Assert.Equal("pong", await grain.Ping());
        Assert.Equal(2, probe.Log.Count(e => e == "activate:t1/life"));
    }

    [Fact]
    public async Task IdleActivation_AfterIdleTimeout_IsDeactivated()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        await using var silo = await TestSilo.StartInMemoryAsync(probe, time);
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("t1/idle");
        await grain.Ping();

        time.Advance(TimeSpan.FromMinutes(9));
        Assert.DoesNotContain("deactivate:t1/idle:IdleTimeout", probe.Log);
        Assert.Equal(1, silo.ActivationCount);

        time.Advance(TimeSpan.FromMinutes(2));
        await probe.WhenRecorded("deactivate:t1/idle:IdleTimeout").Within("idle deactivation after 10 minutes");
        await grain.Ping();
        Assert.Equal(2, probe.Log.Count(e => e == "activate:t1/idle"));
    }

    [Fact]
    public async Task ActiveGrain_CalledWithinIdleTimeout_StaysActive()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        await using var silo = await TestSilo.StartInMemoryAsync(probe, time, options: o => o.IdleTimeout = TimeSpan.FromMinutes(5));
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("t1/busy");
        for (var i = 0; i < 5; i++)
        {
            await grain.Ping();
            time.Advance(TimeSpan.FromMinutes(3));
        }

        Assert.DoesNotContain(probe.Log, e => e.StartsWith("deactivate:t1/busy", StringComparison.Ordinal));
        Assert.Single(probe.Log, e => e == "activate:t1/busy");
    }

    [Fact]
    public async Task Timer_TicksAsTurnsAndStopsAtDeactivation()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        await using var silo = await TestSilo.StartInMemoryAsync(probe, time);
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("t1/timer");
        await grain.StartTimer(TimeSpan.FromSeconds(1));

        time.Advance(TimeSpan.FromSeconds(1));
        await probe.WhenRecorded("tick:t1/timer:1").Within("the first tick");
        time.Advance(TimeSpan.FromSeconds(1));
        await probe.WhenRecorded("tick:t1/timer:2").Within("the second tick");

        await grain.Deactivate();
        await probe.WhenRecorded("deactivate:t1/timer:ApplicationRequested").Within("deactivation");
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.DoesNotContain("tick:t1/timer:3", probe.Log);
    }

    [Fact]
    public async Task IdleActivation_WithRunningTimer_IsStillDeactivated()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        await using var silo = await TestSilo.StartInMemoryAsync(probe, time);
        var grain = silo.GrainFactory.GetGrain<ILifecycleGrain>("t1/ticking");
        await grain.StartTimer(TimeSpan.FromMinutes(1));

        time.Advance(TimeSpan.FromMinutes(1));
        await probe.WhenRecorded("tick:t1/ticking:1").Within("the first tick");
        time.Advance(TimeSpan.FromMinutes(14));

        await probe.WhenRecorded("deactivate:t1/ticking:IdleTimeout").Within("idle deactivation despite the timer");
    }

    [Fact]
    public async Task Reminder_WhenDue_ActivatesGrainAndIsDelivered()
    {
        var probe = new Probe();
        var time = new ManualTimeProvider();
        await using var silo = await TestSilo.StartInMemoryAsync(probe, time);
        var grain = silo.GrainFactory.GetGrain<IReminderGrain>("t1/remind");
        await grain.Start("daily", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

        time.Advance(TimeSpan.FromMinutes(1));
        await probe.WhenRecorded("reminder:t1/remind:daily@00:01:00").Within("the first reminder tick");
        time.Advance(TimeSpan.FromMinutes(1));
        await probe.WhenRecorded("reminder:t1/remind:daily@00:02:00").Within("the second reminder tick");

        Assert.True(await grain.Stop("daily"));
        time.Advance(TimeSpan.FromMinutes(3));
        Assert.DoesNotContain(probe.Log, e => e.EndsWith("@00:03:00", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reminder_PeriodUnderOneSecond_IsRejected()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var grain = silo.GrainFactory.GetGrain<IReminderGrain>("t1/remind-fast");

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => grain.Start("r", TimeSpan.Zero, TimeSpan.FromMilliseconds(10)));
        Assert.Contains("at least 1 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnActivateAsyncThrows_CallFailsNamingGrain_OtherGrainsWork()
    {
        var probe = new Probe();
        await using var silo = await TestSilo.StartInMemoryAsync(probe);
        var broken = silo.GrainFactory.GetGrain<IFailingActivationGrain>("t1/broken");

        var error = await Assert.ThrowsAsync<GrainActivationException>(() => broken.Ping());
        Assert.Contains("t1/broken", error.Message, StringComparison.Ordinal);
        Assert.Contains("the mailbox source is not configured", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<GrainActivationException>(() => broken.Ping());
        Assert.Equal("pong", await silo.GrainFactory.GetGrain<ILifecycleGrain>("t1/fine").Ping());
    }

    [Fact]
    public async Task StopAsync_WithRunningTurn_RefusesNewCallsFinishesTurnAndDeactivates()
    {
        var probe = new Probe();
        var silo = await TestSilo.StartInMemoryAsync(probe);
        var busy = silo.GrainFactory.GetGrain<IBoundaryGrain>("t1/busy");
        var other = silo.GrainFactory.GetGrain<ILifecycleGrain>("t1/other");
        await other.Ping();
        var running = busy.WaitDefault("shutdown");
        await probe.WhenRecorded("waiting:shutdown").Within("the running call");

        var stopping = silo.StopAsync();
        var refused = await Assert.ThrowsAsync<SiloUnavailableException>(() => other.Ping());
        Assert.Contains("shutting down", refused.Message, StringComparison.Ordinal);
        Assert.False(stopping.IsCompleted);

        probe.Open("shutdown");
        await running.Within("the running call to finish during shutdown");
        await stopping.Within("shutdown");
        Assert.Contains("deactivate:t1/other:SiloShutdown", probe.Log);
        Assert.Equal(SiloStatus.Stopped, silo.Status);
        Assert.Equal(0, silo.ActivationCount);
        await silo.DisposeAsync();
    }
}

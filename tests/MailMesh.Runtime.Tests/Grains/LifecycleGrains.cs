using MailMesh.Runtime.Tests.Infrastructure;

namespace MailMesh.Runtime.Tests.Grains;

public interface ILifecycleGrain : IGrainWithStringKey
{
    Task<string> Ping();

    Task Deactivate();

    Task StartTimer(TimeSpan period);
}

public sealed class LifecycleGrain(Probe probe) : Grain, ILifecycleGrain
{
    private int _ticks;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Record($"activate:{GrainKey}");
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Record($"deactivate:{GrainKey}:{reason.Code}");
        return Task.CompletedTask;
    }

    public Task<string> Ping() => Task.FromResult("pong");

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task StartTimer(TimeSpan period)
    {
        RegisterTimer(_ =>
        {
            probe.Record($"tick:{GrainKey}:{++_ticks}");
            return Task.CompletedTask;
        }, period, period);
        return Task.CompletedTask;
    }
}

public interface IFailingActivationGrain : IGrainWithStringKey
{
    Task<string> Ping();
}

public sealed class FailingActivationGrain : Grain, IFailingActivationGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        throw new InvalidOperationException("the mailbox source is not configured");

    public Task<string> Ping() => Task.FromResult("pong");
}

/// <summary>No class implements it.</summary>
public interface IOrphanGrain : IGrainWithStringKey
{
    Task Do();
}

public interface IReminderGrain : IGrainWithStringKey
{
    Task Start(string name, TimeSpan due, TimeSpan period);

    Task<bool> Stop(string name);
}

public sealed class ReminderGrain(Probe probe) : Grain, IReminderGrain, IRemindable
{
    public Task Start(string name, TimeSpan due, TimeSpan period) => RegisterOrUpdateReminderAsync(name, due, period);

    public Task<bool> Stop(string name) => UnregisterReminderAsync(name);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        probe.Record($"reminder:{GrainKey}:{reminderName}@{status.CurrentTickTime:HH:mm:ss}");
        return Task.CompletedTask;
    }
}

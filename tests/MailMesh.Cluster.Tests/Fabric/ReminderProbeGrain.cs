using System.Collections.Concurrent;
using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;

namespace MailMesh.Cluster.Tests.Fabric;

public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task Touch();

    /// <summary>Registers reminder <paramref name="name"/> from inside the grain (as product grains do).</summary>
    Task Remind(string name, TimeSpan dueTime, TimeSpan period);
}

/// <summary>Records on which silo each reminder tick ran.</summary>
public sealed class ReminderProbeGrain(IClusterMembership membership) : Grain, IReminderProbeGrain, IRemindable
{
    public static ConcurrentDictionary<string, ConcurrentQueue<string>> Ticks { get; } = new();

    public static ConcurrentDictionary<string, TaskCompletionSource> FirstTick { get; } = new();

    public Task Touch() => Task.CompletedTask;

    public Task Remind(string name, TimeSpan dueTime, TimeSpan period) => RegisterOrUpdateReminderAsync(name, dueTime, period);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Ticks.GetOrAdd(GrainKey, _ => new ConcurrentQueue<string>()).Enqueue(membership.SiloId);
        FirstTick.GetOrAdd(GrainKey, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return Task.CompletedTask;
    }
}

namespace MailMesh.Runtime.Storage;

/// <summary>A durable reminder: it survives silo restarts and activates its grain when due.</summary>
/// <param name="Grain">The grain to remind.</param>
/// <param name="Name">Reminder name, unique per grain.</param>
/// <param name="FirstDue">When it first fires.</param>
/// <param name="Period">Interval between firings (at least one second).</param>
/// <param name="ETag">Version of the row.</param>
[Immutable]
public sealed record ReminderEntry(GrainId Grain, string Name, DateTimeOffset FirstDue, TimeSpan Period, string ETag);

/// <summary>Stores reminders.</summary>
public interface IReminderTable
{
    /// <summary>Inserts or replaces a reminder; returns the stored entry with its new ETag.</summary>
    Task<ReminderEntry> UpsertAsync(GrainId grain, string name, DateTimeOffset firstDue, TimeSpan period, CancellationToken cancellationToken = default);

    /// <summary>Removes a reminder; false when it did not exist.</summary>
    Task<bool> RemoveAsync(GrainId grain, string name, CancellationToken cancellationToken = default);

    /// <summary>One grain's reminders.</summary>
    Task<IReadOnlyList<ReminderEntry>> ReadAsync(GrainId grain, CancellationToken cancellationToken = default);

    /// <summary>Every reminder (embedded silo) — the cluster fabric will read by shard.</summary>
    Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken = default);
}

namespace MailMesh.Runtime;

/// <summary>Implemented by grain classes that register durable reminders
/// (<see cref="Grain.RegisterOrUpdateReminderAsync"/>): the runtime calls it, as a turn, when one is due.</summary>
public interface IRemindable
{
    /// <summary>A reminder is due. Runs as an ordinary (non-interleaving) turn of the grain.</summary>
    /// <param name="reminderName">The reminder's name.</param>
    /// <param name="status">When it was due and how it repeats.</param>
    Task ReceiveReminder(string reminderName, TickStatus status);
}

/// <summary>The tick of a reminder being delivered.</summary>
/// <param name="FirstTickTime">When the reminder first fired (its registered start).</param>
/// <param name="Period">Its period.</param>
/// <param name="CurrentTickTime">When this tick was due.</param>
public readonly record struct TickStatus(DateTimeOffset FirstTickTime, TimeSpan Period, DateTimeOffset CurrentTickTime);

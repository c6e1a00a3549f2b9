using System.Text.Json;
using MailMesh.Runtime.Internal.Activation;
using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime;

/// <summary>Base class of grain implementations. The runtime creates grains (never <c>new</c> them): at most one
/// activation per grain per silo, running one turn at a time unless the class is <see cref="ReentrantAttribute">reentrant</see>.
/// Grain code must not use <c>ConfigureAwait(false)</c>: its continuations have to resume on the activation.</summary>
public abstract class Grain
{
    private readonly ActivationData _activation;

    /// <summary>Binds the grain to the activation the runtime is creating.</summary>
    /// <exception cref="InvalidOperationException">The grain was created outside the runtime.</exception>
    protected Grain()
    {
        _activation = ActivationData.Constructing
            ?? throw new InvalidOperationException(
                $"{GetType().Name} was created with 'new'; grains are created by the runtime. Call it through IGrainFactory.GetGrain instead.");
    }

    /// <summary>This grain's id.</summary>
    public GrainId GrainId => _activation.GrainId;

    /// <summary>This grain's key (<c>tenant/…</c>).</summary>
    public string GrainKey => _activation.GrainId.Key;

    /// <summary>Gets references to other grains.</summary>
    protected IGrainFactory GrainFactory => _activation.Runtime.GrainFactory;

    /// <summary>The runtime's clock.</summary>
    protected TimeProvider TimeProvider => _activation.Runtime.TimeProvider;

    internal ActivationData Activation => _activation;

    /// <summary>Runs after the persistent states are read and before the first call.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs when the activation is deactivated (idle, on request or at shutdown), after its timers are
    /// stopped. Changed states are persisted after it returns unless disabled in <see cref="GrainRuntimeOptions"/>.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivates this activation once its current turns are done; later calls activate it anew.</summary>
    protected void DeactivateOnIdle() => _activation.RequestDeactivation(
        new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle was called"), drainQueue: false);

    /// <summary>Starts a timer of this activation. Each tick runs as a turn (never alongside another turn of a
    /// non-reentrant grain); the next tick is counted from the end of the previous one. Timers stop at deactivation
    /// and do not keep the grain active.</summary>
    /// <param name="callback">Runs on each tick.</param>
    /// <param name="dueTime">Delay before the first tick.</param>
    /// <param name="period">Delay between ticks; <see cref="Timeout.InfiniteTimeSpan"/> for a single tick.</param>
    /// <returns>Dispose it to stop the timer.</returns>
    protected IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return _activation.RegisterTimer(callback, dueTime, period);
    }

    /// <summary>Registers or updates a durable reminder: it is stored, survives silo restarts and activates the grain
    /// when due. The grain class must implement <see cref="IRemindable"/>.</summary>
    /// <param name="reminderName">Name, unique within the grain.</param>
    /// <param name="dueTime">Delay before the first tick.</param>
    /// <param name="period">Interval between ticks (at least one second).</param>
    protected Task RegisterOrUpdateReminderAsync(string reminderName, TimeSpan dueTime, TimeSpan period)
    {
        if (this is not IRemindable)
        {
            throw new InvalidOperationException($"{GetType().Name} registers reminder '{reminderName}' but does not implement IRemindable.");
        }

        return _activation.Runtime.Reminders.RegisterAsync(GrainId, reminderName, dueTime, period);
    }

    /// <summary>Removes a reminder; false when it did not exist.</summary>
    protected Task<bool> UnregisterReminderAsync(string reminderName) =>
        _activation.Runtime.Reminders.UnregisterAsync(GrainId, reminderName);

    /// <summary>Raises a domain event. It is appended to the event log by the next
    /// <see cref="IPersistentState{TState}.WriteStateAsync"/> (or clear) of this grain, in the same transaction as
    /// that state change; it is never written without it.</summary>
    /// <param name="type">Dotted lower-case type, e.g. <c>mailbox.created</c>.</param>
    /// <param name="subject">What it is about, usually the grain key.</param>
    /// <param name="payload">Event data; serialized as a JSON object.</param>
    /// <returns>The pending event (with its id).</returns>
    protected EventDraft RaiseEvent<TPayload>(string type, string subject, TPayload payload)
    {
        var error = EventTypes.Validate(type);
        if (error is not null)
        {
            throw new ArgumentException($"Event type '{type}' is invalid: {error}.", nameof(type));
        }

        ArgumentException.ThrowIfNullOrEmpty(subject);
        var json = JsonSerializer.Serialize(payload, _activation.Runtime.Options.JsonOptions);
        if (json.Length == 0 || json[0] != '{')
        {
            throw new ArgumentException($"The payload of event '{type}' must serialize to a JSON object, not {json}.", nameof(payload));
        }

        var now = _activation.Runtime.TimeProvider.GetUtcNow();
        var draft = new EventDraft(Guid.CreateVersion7(now), GrainId.Tenant, type, subject, now, json);
        _activation.PendingEvents.Add(draft);
        return draft;
    }
}

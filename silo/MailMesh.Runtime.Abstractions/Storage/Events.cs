namespace MailMesh.Runtime.Storage;

/// <summary>A domain event about to be appended to the event log.</summary>
/// <param name="EventId">Unique id (idempotency key for consumers).</param>
/// <param name="Tenant">The tenant it belongs to.</param>
/// <param name="Type">Dotted type, e.g. <c>mailbox.created</c>.</param>
/// <param name="Subject">What it is about, usually the grain key.</param>
/// <param name="Time">When it happened.</param>
/// <param name="PayloadJson">Event data as a JSON object.</param>
[Immutable]
public sealed record EventDraft(Guid EventId, string Tenant, string Type, string Subject, DateTimeOffset Time, string PayloadJson);

/// <summary>An event in the log, with its global sequence number (1, 2, 3, … with no gaps).</summary>
[Immutable]
public sealed record EventRecord(long Sequence, Guid EventId, string Tenant, string Type, string Subject, DateTimeOffset Time, string PayloadJson);

/// <summary>Which events a reader wants. Null members match everything.</summary>
/// <param name="Tenant">Only this tenant's events (always set for API callers).</param>
/// <param name="TypePrefix">Only types equal to this or starting with it followed by '.'; e.g. <c>mailbox</c>.</param>
/// <param name="Subject">Only events about this subject.</param>
[Immutable]
public sealed record EventFilter(string? Tenant = null, string? TypePrefix = null, string? Subject = null);

/// <summary>Reads the global event log.</summary>
public interface IEventLog
{
    /// <summary>Events with sequence ≥ <paramref name="fromSequence"/> that match the filter, in order,
    /// at most <paramref name="maxCount"/>.</summary>
    Task<IReadOnlyList<EventRecord>> ReadAsync(long fromSequence, int maxCount, EventFilter? filter = null, CancellationToken cancellationToken = default);

    /// <summary>The highest sequence number written so far (0 when empty).</summary>
    Task<long> GetLastSequenceAsync(CancellationToken cancellationToken = default);

    /// <summary>Completes once an event with sequence &gt; <paramref name="afterSequence"/> exists (at once if
    /// one does already).</summary>
    Task WaitForEventsAsync(long afterSequence, CancellationToken cancellationToken = default);
}

/// <summary>Waits on the event log with a time limit.</summary>
public static class EventLogWaits
{
    /// <summary>Waits for an event after <paramref name="afterSequence"/>, at most <paramref name="timeout"/> as
    /// <paramref name="time"/> counts it: true once one exists, false when the time ran out first. A wait that times out
    /// is cancelled in the log, not left pending.</summary>
    public static async Task<bool> WaitForEventsAsync(
        this IEventLog log, long afterSequence, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        using var limit = new CancellationTokenSource(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            await log.WaitForEventsAsync(afterSequence, linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}

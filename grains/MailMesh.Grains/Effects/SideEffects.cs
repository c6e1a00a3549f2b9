using MailMesh.Runtime;
using MailMesh.Runtime.Invocation;

namespace MailMesh.Grains.Effects;

/// <summary>
/// The protocol around a <see cref="SideEffectLog"/>: which key an effect of the running turn has, and how its started
/// record is written so that a redelivery of the turn still runs (docs/adr/cluster-04-side-effect-records.md).
/// </summary>
public static class SideEffects
{
    /// <summary>
    /// The key of effect <paramref name="effect"/> of the running turn: the caller's idempotency key
    /// (<paramref name="requestId"/>) when it gave one, else the id of the delivered cluster message the turn runs
    /// (<see cref="DeliveredMessage.CurrentId"/>). Null when there is neither: nothing can run this turn again, so
    /// there is nothing to record.
    /// </summary>
    public static string? KeyFor(string effect, string? requestId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(effect);
        return requestId is { Length: > 0 } ? $"{effect} request:{requestId}"
            : DeliveredMessage.CurrentId is { } message ? $"{effect} message:{message}"
            : null;
    }

    /// <summary>
    /// Writes <paramref name="state"/> holding a started (or abandoned) record <em>without</em> recording the
    /// delivered message id (cluster-03): were it recorded, a redelivery after a crash would be answered "already
    /// applied" and never reach the grain to settle the effect. Only the turn's final write, which completes the
    /// record, marks the message applied. Call it before the turn raises any event: events go with the next write.
    /// </summary>
    public static async Task WriteLogAsync<TState>(IPersistentState<TState> state)
        where TState : new()
    {
        ArgumentNullException.ThrowIfNull(state);
        // An async method's changes to an AsyncLocal stay inside it: the caller's turn keeps its message id.
        DeliveredMessage.SetCurrent(null);
        await state.WriteStateAsync();
    }
}

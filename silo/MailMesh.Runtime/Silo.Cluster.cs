using MailMesh.Runtime.Invocation;

namespace MailMesh.Runtime;

/// <summary>What cluster fabrics use: running delivered calls locally and handing grains over.</summary>
public sealed partial class Silo
{
    /// <summary>Runs a call that a cluster fabric delivered to this silo, on the grain's local activation (the router
    /// is not asked). The answer is the grain's result or exception, as for any call.</summary>
    public ValueTask<TResult> InvokeLocalAsync<TResult>(GrainId grain, GrainRequest<TResult> request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _runtime.Invoker.InvokeLocalAsync(grain, request);
    }

    /// <summary>Runs a delivered call as <see cref="InvokeLocalAsync{TResult}(GrainId, GrainRequest{TResult})"/> does,
    /// with <see cref="DeliveredMessage.CurrentId"/> set to <paramref name="messageId"/> while its turn runs (a storage
    /// provider that de-duplicates records the id with the turn's state writes).</summary>
    public ValueTask<TResult> InvokeLocalAsync<TResult>(GrainId grain, GrainRequest<TResult> request, string? messageId)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _runtime.Invoker.InvokeLocalAsync(grain, request, messageId);
    }

    /// <summary>Deactivates every activation whose grain matches <paramref name="which"/> once its queued turns ran
    /// (states are written, <see cref="Grain.OnDeactivateAsync"/> runs) and waits until they ended — a fabric hands
    /// a shard's grains over this way.</summary>
    public async Task DeactivateAsync(Func<GrainId, bool> which, string description, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(which);
        var reason = new DeactivationReason(DeactivationReasonCode.ShardMoved, description);
        var activations = _runtime.Catalog.Activations.Where(a => which(a.GrainId)).ToArray();
        foreach (var activation in activations)
        {
            activation.RequestDeactivation(reason, drainQueue: true, afterPending: true);
        }

        await Task.WhenAll(activations.Select(a => a.Ended)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}

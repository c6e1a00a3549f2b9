using System.Collections.Concurrent;
using MailMesh.Campaigns.Composition;

namespace MailMesh.Campaigns.Tests.Sending.Support;

/// <summary>The test composer with a signal when a given number of messages has been composed, so a test can wait for a
/// batch's preparation instead of polling.</summary>
public sealed class SignallingComposer : ICampaignMessageComposer
{
    private readonly TestComposer _inner = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _signals = new();
    private int _composed;

    /// <summary>Completes once <paramref name="n"/> messages have been composed.</summary>
    public Task WhenComposed(int n)
    {
        var signal = Signal(n);
        if (Volatile.Read(ref _composed) >= n)
        {
            signal.TrySetResult();
        }

        return signal.Task;
    }

    public async ValueTask<ComposedMessage> ComposeAsync(ComposeRequest request, CancellationToken cancellationToken = default)
    {
        var message = await _inner.ComposeAsync(request, cancellationToken);
        Signal(Interlocked.Increment(ref _composed)).TrySetResult();
        return message;
    }

    private TaskCompletionSource Signal(int n) => _signals.GetOrAdd(n, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}

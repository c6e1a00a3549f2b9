namespace MailMesh.Relays.Webhooks;

/// <summary>Tells the webhook relay that subscriptions changed through this silo's API, so it need not wait for its
/// next refresh.</summary>
public sealed class WebhookChanges
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Notify"/>.</summary>
    public Task Next => Volatile.Read(ref _changed).Task;

    /// <summary>Wakes the relay.</summary>
    public void Notify() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

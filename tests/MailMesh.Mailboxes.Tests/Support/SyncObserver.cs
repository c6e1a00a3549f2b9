using MailMesh.Grains.Mailboxes;
using MailMesh.Grains.Mailboxes.Sync;

namespace MailMesh.Mailboxes.Tests.Support;

/// <summary>Barriers on sync progress: waits for run completions and IDLE starts without polling.</summary>
public sealed class SyncObserver : IMailboxSyncObserver
{
    private readonly object _gate = new();
    private readonly List<(string Mailbox, MailboxSyncStatus Status)> _runs = [];
    private readonly List<string> _idles = [];
    private readonly List<(Func<bool> Done, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>Called after each committed batch (test hook, e.g. to stop the silo mid-sync).</summary>
    public Action<string, int>? OnBatch { get; set; }

    public void RunCompleted(string mailbox, MailboxSyncStatus status)
    {
        lock (_gate)
        {
            _runs.Add((mailbox, status));
        }

        Wake();
    }

    public void BatchCommitted(string mailbox, int count) => OnBatch?.Invoke(mailbox, count);

    public void IdleStarted(string mailbox)
    {
        lock (_gate)
        {
            _idles.Add(mailbox);
        }

        Wake();
    }

    /// <summary>Waits until <paramref name="mailbox"/> has completed at least <paramref name="runs"/> runs in total.</summary>
    public async Task<MailboxSyncStatus> WaitForRunsAsync(string mailbox, long runs, TimeSpan? timeout = null)
    {
        await WaitAsync(() => _runs.Any(r => r.Mailbox == mailbox && r.Status.Runs >= runs), timeout ?? TimeSpan.FromSeconds(60),
            $"sync run #{runs} of {mailbox} to complete");
        lock (_gate)
        {
            return _runs.Last(r => r.Mailbox == mailbox).Status;
        }
    }

    /// <summary>Waits until the IDLE watcher of <paramref name="mailbox"/> has started idling <paramref name="times"/> times.</summary>
    public Task WaitForIdleAsync(string mailbox, int times, TimeSpan timeout) =>
        WaitAsync(() => _idles.Count(m => m == mailbox) >= times, timeout, $"the IDLE watcher of {mailbox} to idle (#{times})");

    public async Task WaitAsync(Func<bool> done, TimeSpan timeout, string what)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (done())
            {
                return;
            }

            _waiters.Add((done, signal));
        }

        try
        {
            await signal.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {what}.");
        }
    }

    private void Wake()
    {
        lock (_gate)
        {
            foreach (var waiter in _waiters.Where(w => w.Done()).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Signal.TrySetResult();
            }
        }
    }
}

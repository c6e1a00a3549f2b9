using System.Globalization;

namespace MailMesh.Runtime.Sqlite;

public sealed partial class SqliteStore
{
    private TaskCompletionSource _eventsSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastKnownSequence;
    private long _lastFileLook;

    /// <summary>The highest event sequence this store has seen committed (its own commits and polls).</summary>
    internal long LastKnownSequence => Interlocked.Read(ref _lastKnownSequence);

    /// <summary>Records that events up to <paramref name="sequence"/> are committed and wakes waiting readers.</summary>
    internal void PublishSequence(long sequence)
    {
        var known = Interlocked.Read(ref _lastKnownSequence);
        while (sequence > known)
        {
            var seen = Interlocked.CompareExchange(ref _lastKnownSequence, sequence, known);
            if (seen == known)
            {
                Interlocked.Exchange(ref _eventsSignal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                return;
            }

            known = seen;
        }
    }

    /// <summary>Reads the highest committed sequence from the file (sees other processes' commits).</summary>
    internal Task<long> ReadLastSequenceAsync(CancellationToken cancellationToken) =>
        ExecuteReadAsync("reading the last event sequence", this, static (reader, store) =>
        {
            Interlocked.Exchange(ref store._lastFileLook, store._timeProvider.GetTimestamp());
            var last = Convert.ToInt64(reader.LastSequence.Scalar(), CultureInfo.InvariantCulture);
            store.PublishSequence(last);
            return last;
        }, cancellationToken);

    /// <summary>Waits until an event after <paramref name="afterSequence"/> is committed: woken at once by this
    /// process's commits, and looking at the file every <see cref="SqliteStorageOptions.EventPollInterval"/> for
    /// commits of other processes. The store's waiters share those looks: a wait that starts within the interval of the
    /// last look waits for the rest of it, so readers that follow the log as it grows do not read the file for every
    /// commit (each such read starts on a reader connection whose page cache the commit has just made stale).</summary>
    internal async Task WaitForEventsAsync(long afterSequence, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ObjectDisposedException.ThrowIf(_disposed, this);
            // Take the signal before looking, so a commit between the look and the wait still wakes us.
            var signal = Volatile.Read(ref _eventsSignal).Task;
            if (LastKnownSequence > afterSequence)
            {
                return;
            }

            var sinceLook = _timeProvider.GetElapsedTime(Interlocked.Read(ref _lastFileLook));
            if (sinceLook >= _options.EventPollInterval)
            {
                if (await ReadLastSequenceAsync(cancellationToken).ConfigureAwait(false) > afterSequence)
                {
                    return;
                }

                sinceLook = TimeSpan.Zero;
            }

            using var pollCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var poll = Task.Delay(_options.EventPollInterval - sinceLook, _timeProvider, pollCancellation.Token);
            await Task.WhenAny(signal, poll).ConfigureAwait(false);
            // Stop the poll timer when the signal won; a cancelled caller gets OperationCanceledException below.
            await pollCancellation.CancelAsync().ConfigureAwait(false);
        }
    }
}

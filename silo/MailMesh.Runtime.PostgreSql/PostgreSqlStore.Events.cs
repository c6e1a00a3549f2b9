using System.Globalization;
using MailMesh.Runtime.PostgreSql.Internal;
using Npgsql;

namespace MailMesh.Runtime.PostgreSql;

public sealed partial class PostgreSqlStore
{
    /// <summary>How long the listener waits for a notification before it checks that its connection still works.</summary>
    private static readonly TimeSpan ListenerProbeInterval = TimeSpan.FromSeconds(30);

    private readonly Lock _listenerLock = new();
    private TaskCompletionSource _eventsSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastKnownSequence;
    private CancellationTokenSource? _listenerStop;
    private Task? _listener;

    /// <summary>The highest event sequence this store has seen committed (its own commits, notifications, polls).</summary>
    internal long LastKnownSequence => Interlocked.Read(ref _lastKnownSequence);

    private readonly TaskCompletionSource _firstListen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True while the listener holds a LISTEN connection (test hook).</summary>
    internal bool IsListening { get; private set; }

    private TaskCompletionSource _nextListen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the listener first holds a LISTEN connection (test hook).</summary>
    internal Task Listening => _firstListen.Task;

    /// <summary>Completes when the listener next (re)establishes its LISTEN connection (test hook).</summary>
    internal Task NextListen => Volatile.Read(ref _nextListen).Task;

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

    /// <summary>Reads the highest committed sequence (sees every silo's commits).</summary>
    internal Task<long> ReadLastSequenceAsync(CancellationToken cancellationToken) =>
        ExecuteAsync("reading the last event sequence", Repeat.Read, this, static async (connection, store, ct) =>
        {
            await using var command = new NpgsqlCommand(store.Sql.SelectLastSequence, connection);
            var last = Convert.ToInt64(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
            store.PublishSequence(last);
            return last;
        }, cancellationToken);

    /// <summary>Waits until an event after <paramref name="afterSequence"/> is committed: woken at once by this store's
    /// commits and by NOTIFY from every silo's commits, and looking every
    /// <see cref="PostgreSqlStorageOptions.EventPollInterval"/> in case a notification was missed.</summary>
    internal async Task WaitForEventsAsync(long afterSequence, CancellationToken cancellationToken)
    {
        EnsureListener();
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

            if (await ReadLastSequenceAsync(cancellationToken).ConfigureAwait(false) > afterSequence)
            {
                return;
            }

            using var pollCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var poll = Task.Delay(_options.EventPollInterval, _timeProvider, pollCancellation.Token);
            await Task.WhenAny(signal, poll).ConfigureAwait(false);
            // Stop the poll timer when the signal won; a cancelled caller gets OperationCanceledException above.
            await pollCancellation.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Starts the LISTEN loop on first use (stores that never wait hold no extra connection).</summary>
    private void EnsureListener()
    {
        if (_listener is not null)
        {
            return;
        }

        lock (_listenerLock)
        {
            if (_listener is not null || _disposed)
            {
                return;
            }

            _listenerStop = new CancellationTokenSource();
            var stop = _listenerStop.Token;
            _listener = Task.Run(() => ListenAsync(stop), CancellationToken.None);
        }
    }

    private async Task StopListenerAsync()
    {
        Task? listener;
        lock (_listenerLock)
        {
            listener = _listener;
            _listener ??= Task.CompletedTask;
        }

        if (listener is null || _listenerStop is null)
        {
            return;
        }

        await _listenerStop.CancelAsync().ConfigureAwait(false);
        await listener.ConfigureAwait(false);
        _listenerStop.Dispose();
    }

    private async Task ListenAsync(CancellationToken stop)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(stop).ConfigureAwait(false);
                connection.Notification += (_, e) =>
                {
                    if (long.TryParse(e.Payload, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
                    {
                        PublishSequence(sequence);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN \"{Sql.Channel}\"", connection))
                {
                    await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                }

                IsListening = true;
                _firstListen.TrySetResult();
                Interlocked.Exchange(ref _nextListen, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                Log.Listening(_logger, Server, Sql.Channel);
                backoff = TimeSpan.FromMilliseconds(200);
                // Commits between the last look and LISTEN sent no notification to us: look once now.
                await using (var last = new NpgsqlCommand(Sql.SelectLastSequence, connection))
                {
                    PublishSequence(Convert.ToInt64(await last.ExecuteScalarAsync(stop).ConfigureAwait(false), CultureInfo.InvariantCulture));
                }

                while (true)
                {
                    if (!await connection.WaitAsync(ListenerProbeInterval, stop).ConfigureAwait(false))
                    {
                        // No notification for a while: make sure the connection is still alive (a silently dropped
                        // connection would otherwise wait forever).
                        await using var probe = new NpgsqlCommand("SELECT 1", connection);
                        await probe.ExecuteScalarAsync(stop).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                IsListening = false;
                _dataSource.Clear();
                Log.ListenerFailed(_logger, Server, e.Message, e);
                try
                {
                    await Task.Delay(backoff, _timeProvider, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }

        IsListening = false;
    }
}

using MailMesh.Runtime.Internal.Scheduling;
using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime.Internal.Reminders;

/// <summary>Durable reminders of this silo: loaded from the <see cref="IReminderTable"/> at start, kept in memory
/// with their next due time, fired by one timer (activating the grain when needed). A tick that fell due while
/// the silo was down is delivered once at start (at-least-once). In cluster mode the table is read again after every
/// membership change, so reminders registered on another silo after this one started reach it when their grains'
/// shards move here (a silo died or left). A tick skipped because the grain's shard was not consumed here (the reload
/// runs before the shard's hand-over ends) fires once the shard is acquired, when it is less than
/// <see cref="MissedTickGrace"/> old.</summary>
internal sealed class ReminderService : IAsyncDisposable
{
    private static readonly TimeSpan MinimumPeriod = TimeSpan.FromSeconds(1);

    /// <summary>How old a tick skipped by a silo that did not consume the grain's shard may be and still fire when the
    /// shard moves here: it covers the death timeout and the hand-over. A tick its previous owner delivered in that
    /// window fires once more (reminders are at-least-once).</summary>
    internal static readonly TimeSpan MissedTickGrace = TimeSpan.FromMinutes(1);

    private readonly SiloRuntime _runtime;
    private readonly IReminderTable? _table;
    private readonly Lazy<Cluster.IShardOwnership?> _ownership;
    private readonly Lock _lock = new();
    private readonly Dictionary<(GrainId Grain, string Name), Entry> _entries = [];
    // Registrations, removals and reloads take turns, so a reload's read cannot undo a change made after it.
    private readonly SemaphoreSlim _tableTurn = new(1, 1);
    private IDisposable? _membershipSubscription;
    private ITimer? _timer;
    private bool _running;

    public ReminderService(SiloRuntime runtime, IReminderTable? table)
    {
        _runtime = runtime;
        _table = table;
        _ownership = new Lazy<Cluster.IShardOwnership?>(() => (Cluster.IShardOwnership?)runtime.Services.GetService(typeof(Cluster.IShardOwnership)));
    }

    private IReminderTable Table => _table ?? throw new InvalidOperationException(
        "No IReminderTable is registered: add a storage provider (e.g. services.AddMailMeshSqliteStorage(...)) to use reminders.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_table is null)
        {
            return;
        }

        var stored = await _table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        var now = _runtime.TimeProvider.GetUtcNow();
        lock (_lock)
        {
            foreach (var row in stored)
            {
                _entries[(row.Grain, row.Name)] = new Entry(row, row.FirstDue <= now ? now : row.FirstDue);
            }

            using (ExecutionContext.SuppressFlow())
            {
                _timer = _runtime.TimeProvider.CreateTimer(static s => ((ReminderService)s!).OnTimer(), this,
                    Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            _running = true;
            ArmLocked(now);
        }

        _runtime.Log.RemindersLoaded(stored.Count);
        if (_runtime.Services.GetService(typeof(Cluster.IClusterMembership)) is Cluster.IClusterMembership membership)
        {
            _membershipSubscription = membership.Subscribe(change => _ = ReloadAfterMembershipChangeAsync());
        }

        if (_ownership.Value is { } ownership)
        {
            ownership.ShardsAcquired += OnShardsAcquired;
        }
    }

    /// <summary>Reads the table again and makes the in-memory reminders match it: rows registered elsewhere are added
    /// (due at once when their first tick passed), rows removed elsewhere are dropped, known rows keep their next tick.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _tableTurn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await Table.ReadAllAsync(cancellationToken).ConfigureAwait(false);
            var now = _runtime.TimeProvider.GetUtcNow();
            var dueNow = false;
            lock (_lock)
            {
                var known = new Dictionary<(GrainId Grain, string Name), Entry>(_entries);
                _entries.Clear();
                foreach (var row in stored)
                {
                    var entry = known.TryGetValue((row.Grain, row.Name), out var kept) && kept.Row == row
                        ? kept
                        : new Entry(row, row.FirstDue <= now ? now : row.FirstDue);
                    _entries[(row.Grain, row.Name)] = entry;
                    dueNow |= entry.NextDue <= now;
                }

                ArmLocked(now);
            }

            _runtime.Log.RemindersLoaded(stored.Count);

            // A reminder whose tick passed while it was unknown here (registered by a silo that then died) fires now,
            // not whenever the timer's zero delay is next served.
            if (dueNow)
            {
                OnTimer();
            }
        }
        finally
        {
            _tableTurn.Release();
        }
    }

    private async Task ReloadAfterMembershipChangeAsync()
    {
        try
        {
            await ReloadAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            _runtime.Log.RemindersNotReloaded(e);
        }
    }

    public void Stop()
    {
        _membershipSubscription?.Dispose();
        if (_ownership.IsValueCreated && _ownership.Value is { } ownership)
        {
            ownership.ShardsAcquired -= OnShardsAcquired;
        }

        lock (_lock)
        {
            _running = false;
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public async Task RegisterAsync(GrainId grain, string name, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (period < MinimumPeriod)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period, $"A reminder's period must be at least {MinimumPeriod.TotalSeconds} s.");
        }

        if (dueTime < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime), dueTime, "A reminder's due time must not be negative.");
        }

        var now = _runtime.TimeProvider.GetUtcNow();
        await _tableTurn.WaitAsync().ConfigureAwait(false);
        try
        {
            var row = await Table.UpsertAsync(grain, name, now + dueTime, period).ConfigureAwait(false);
            lock (_lock)
            {
                _entries[(grain, name)] = new Entry(row, row.FirstDue);
                ArmLocked(_runtime.TimeProvider.GetUtcNow());
            }
        }
        finally
        {
            _tableTurn.Release();
        }
    }

    public async Task<bool> UnregisterAsync(GrainId grain, string name)
    {
        await _tableTurn.WaitAsync().ConfigureAwait(false);
        try
        {
            var removed = await Table.RemoveAsync(grain, name).ConfigureAwait(false);
            lock (_lock)
            {
                _entries.Remove((grain, name));
            }

            return removed;
        }
        finally
        {
            _tableTurn.Release();
        }
    }

    private void OnTimer()
    {
        var now = _runtime.TimeProvider.GetUtcNow();
        var ownership = _ownership.Value;
        var due = new List<(ReminderEntry Row, DateTimeOffset Tick)>();
        lock (_lock)
        {
            if (!_running)
            {
                return;
            }

            foreach (var entry in _entries.Values)
            {
                if (entry.NextDue > now)
                {
                    continue;
                }

                // Cluster mode: every silo reads the reminder table; only the silo consuming the grain's shard fires. The
                // others remember the tick, for the shard may be on its way here (OnShardsAcquired).
                if (ownership is not null && !ownership.OwnsShardOf(entry.Row.Grain))
                {
                    entry.MissedTick = entry.NextDue;
                }
                else
                {
                    due.Add((entry.Row, entry.NextDue));
                }

                entry.NextDue = NextAfter(entry.Row, now);
            }

            ArmLocked(now);
        }

        foreach (var (row, tick) in due)
        {
            Fire(row, tick);
        }
    }

    /// <summary>Fires the ticks skipped here for grains whose shards this silo consumes now, when they are recent (a
    /// silo that died or left had them); older ones are forgotten.</summary>
    private void OnShardsAcquired()
    {
        var ownership = _ownership.Value;
        if (ownership is null)
        {
            return;
        }

        var now = _runtime.TimeProvider.GetUtcNow();
        var due = new List<(ReminderEntry Row, DateTimeOffset Tick)>();
        lock (_lock)
        {
            if (!_running)
            {
                return;
            }

            foreach (var entry in _entries.Values)
            {
                if (entry.MissedTick is { } tick && ownership.OwnsShardOf(entry.Row.Grain))
                {
                    entry.MissedTick = null;
                    if (now - tick < MissedTickGrace)
                    {
                        due.Add((entry.Row, tick));
                    }
                }
            }
        }

        foreach (var (row, tick) in due)
        {
            Fire(row, tick);
        }
    }

    private void Fire(ReminderEntry row, DateTimeOffset tick)
    {
        var status = new TickStatus(row.FirstDue, row.Period, tick);
        var name = row.Name;
        var turn = new SystemTurn(row.Grain, $"reminder '{name}'", activation =>
        {
            if (activation.Instance is not IRemindable remindable)
            {
                throw new InvalidOperationException($"{activation.ClassInfo.ClassType.Name} has reminder '{name}' but does not implement IRemindable.");
            }

            return remindable.ReceiveReminder(name, status);
        }, error => _runtime.Log.ReminderNotDelivered(row.Grain, name, error));
        try
        {
            _runtime.Catalog.Dispatch(row.Grain, turn);
        }
        catch (Exception e)
        {
            _runtime.Log.ReminderNotDelivered(row.Grain, name, e);
        }
    }

    private static DateTimeOffset NextAfter(ReminderEntry row, DateTimeOffset now)
    {
        if (row.FirstDue > now)
        {
            return row.FirstDue;
        }

        var periods = (now - row.FirstDue).Ticks / row.Period.Ticks + 1;
        return row.FirstDue + TimeSpan.FromTicks(periods * row.Period.Ticks);
    }

    private void ArmLocked(DateTimeOffset now)
    {
        if (!_running || _timer is null)
        {
            return;
        }

        var next = DateTimeOffset.MaxValue;
        foreach (var entry in _entries.Values)
        {
            if (entry.NextDue < next)
            {
                next = entry.NextDue;
            }
        }

        if (next == DateTimeOffset.MaxValue)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        var delay = next - now;
        // Re-check at least hourly so a clock change cannot strand reminders.
        _timer.Change(delay <= TimeSpan.Zero ? TimeSpan.Zero : (delay > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : delay), Timeout.InfiniteTimeSpan);
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return _timer?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    private sealed class Entry(ReminderEntry row, DateTimeOffset nextDue)
    {
        public ReminderEntry Row { get; } = row;

        public DateTimeOffset NextDue { get; set; } = nextDue;

        /// <summary>The last tick skipped because another silo consumed the grain's shard; null once fired or forgotten.</summary>
        public DateTimeOffset? MissedTick { get; set; }
    }
}

using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailMesh.Runtime.Cluster;

/// <summary>This silo's membership: registers it in the <see cref="IMembershipTable"/> at start, heartbeats, reads the
/// table every <see cref="ClusterOptions.RefreshInterval"/>, declares silos whose heartbeats stopped dead, tells
/// subscribers about every change, and leaves gracefully at shutdown (announce, run the hand-over handlers, leave).
/// When its peers declared it dead, it stops the host (its grains have moved on).</summary>
public sealed class MembershipService : IClusterMembership, IHostedService, IAsyncDisposable
{
    private readonly IMembershipTable _table;
    private readonly ClusterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private readonly Lock _observersLock = new();
    private readonly List<Func<CancellationToken, Task>> _handOvers = [];
    private Action<ClusterViewChange>[] _observers = [];
    private ITimer? _timer;
    private int _timerBusy;
    private ClusterView _view = ClusterView.Empty;
    private DateTimeOffset _lastHeartbeat;
    private DateTimeOffset? _reachableSince;
    private DateTimeOffset _lastCleanup;
    private volatile State _state = State.Created;

    /// <summary>Creates the service; <see cref="StartAsync"/> registers the silo.</summary>
    public MembershipService(IMembershipTable table, ClusterOptions options, TimeProvider? timeProvider = null,
        ILogger<MembershipService>? logger = null, IHostApplicationLifetime? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        _table = table;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _lifetime = lifetime;
        SiloId = options.SiloId ?? $"{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid().ToString("N")[..8]}";
        Address = options.Address ?? Environment.MachineName.ToLowerInvariant();
        ShardCount = options.ShardCount;
    }

    private enum State
    {
        Created,
        Running,
        Leaving,
        Stopped,
        Evicted,
    }

    /// <inheritdoc />
    public string SiloId { get; }

    /// <inheritdoc />
    public string Address { get; }

    /// <inheritdoc />
    public int ShardCount { get; }

    /// <inheritdoc />
    public ClusterView View => Volatile.Read(ref _view);

    /// <summary>Whether the peers declared this silo dead (it must not serve any more).</summary>
    public bool IsEvicted => _state == State.Evicted;

    /// <summary>The owner of every shard under the current view (element i owns shard i; null when no silo is
    /// active).</summary>
    public string?[] ShardOwners() => GrainShards.Assign(View.ActiveSiloIds, ShardCount);

    /// <inheritdoc />
    public IDisposable Subscribe(Action<ClusterViewChange> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_observersLock)
        {
            _observers = [.. _observers, observer];
        }

        return new Subscription(this, observer);
    }

    /// <inheritdoc />
    public void OnLeaving(Func<CancellationToken, Task> handOver)
    {
        ArgumentNullException.ThrowIfNull(handOver);
        lock (_observersLock)
        {
            _handOvers.Add(handOver);
        }
    }

    /// <summary>Registers this silo, reads the table and starts the heartbeat/refresh timer.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_state != State.Created)
        {
            throw new InvalidOperationException($"The membership service of silo '{SiloId}' is {_state}; it starts once.");
        }

        var now = _time.GetUtcNow();
        await _table.RegisterAsync(SiloId, Address, now, cancellationToken).ConfigureAwait(false);
        _lastHeartbeat = now;
        _reachableSince = now;
        _lastCleanup = now;
        _state = State.Running;
        ClusterLog.Joined(_logger, SiloId, Address);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        using (ExecutionContext.SuppressFlow())
        {
            _timer = _time.CreateTimer(static s => ((MembershipService)s!).OnTimer(), this, _options.RefreshInterval, _options.RefreshInterval);
        }
    }

    /// <summary>Leaves gracefully: announces the shutdown, runs the hand-over handlers, then marks this silo left.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_state != State.Running)
        {
            await DisposeTimerAsync().ConfigureAwait(false);
            return;
        }

        _state = State.Leaving;
        ClusterLog.Leaving(_logger, SiloId);
        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _table.BeginLeaveAsync(SiloId, cancellationToken).ConfigureAwait(false);
            var snapshot = await _table.ReadAsync(cancellationToken).ConfigureAwait(false);
            Publish(new ClusterView(snapshot.Version, snapshot.Members));
        }
        catch (Exception e) when (e is StorageException or SiloDeclaredDeadException)
        {
            ClusterLog.LeaveFailed(_logger, SiloId, e);
        }
        finally
        {
            _refreshLock.Release();
        }

        Func<CancellationToken, Task>[] handOvers;
        lock (_observersLock)
        {
            handOvers = [.. _handOvers];
        }

        foreach (var handOver in handOvers)
        {
            try
            {
                await handOver(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                ClusterLog.HandOverFailed(_logger, e);
            }
        }

        await DisposeTimerAsync().ConfigureAwait(false);
        try
        {
            await _table.LeaveAsync(SiloId, cancellationToken).ConfigureAwait(false);
            ClusterLog.LeftCluster(_logger, SiloId);
        }
        catch (StorageException e)
        {
            // Peers will declare this silo dead after the timeout instead.
            ClusterLog.LeaveFailed(_logger, SiloId, e);
        }

        _state = State.Stopped;
    }

    /// <summary>Heartbeats (when due), declares silos without recent heartbeats dead, reads the table and notifies
    /// subscribers of changes — what the timer does every <see cref="ClusterOptions.RefreshInterval"/>.</summary>
    /// <exception cref="StorageException">The table could not be reached.</exception>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state is not (State.Running or State.Leaving))
            {
                return;
            }

            await RefreshUnderLockAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _refreshLock.Release();
        }
    }

    private async Task RefreshUnderLockAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        try
        {
            if (now - _lastHeartbeat >= _options.HeartbeatInterval || _reachableSince is null)
            {
                await _table.HeartbeatAsync(SiloId, cancellationToken).ConfigureAwait(false);
                _lastHeartbeat = now;
            }

            _reachableSince ??= now;
            if (now - _reachableSince.Value >= _options.DeclareDeadGracePeriod)
            {
                foreach (var dead in await _table.DeclareDeadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ClusterLog.DeclaredDead(_logger, dead.SiloId, dead.Address, dead.LastHeartbeat);
                }
            }

            if (now - _lastCleanup >= _options.DefunctRetention)
            {
                await _table.RemoveDefunctAsync(_options.DefunctRetention, cancellationToken).ConfigureAwait(false);
                _lastCleanup = now;
            }

            var snapshot = await _table.ReadAsync(cancellationToken).ConfigureAwait(false);
            Publish(new ClusterView(snapshot.Version, snapshot.Members));
        }
        catch (StorageException)
        {
            _reachableSince = null;
            throw;
        }
        catch (SiloDeclaredDeadException e)
        {
            await EvictAsync(e, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task EvictAsync(SiloDeclaredDeadException error, CancellationToken cancellationToken)
    {
        _state = State.Evicted;
        ClusterLog.Evicted(_logger, SiloId, error);
        try
        {
            var snapshot = await _table.ReadAsync(cancellationToken).ConfigureAwait(false);
            Publish(new ClusterView(snapshot.Version, snapshot.Members));
        }
        catch (StorageException e)
        {
            ClusterLog.RefreshFailed(_logger, _options.RefreshInterval, e);
            var dead = (View.Find(SiloId) ?? new MembershipEntry(SiloId, Address, _time.GetUtcNow(), MemberStatus.Dead, _lastHeartbeat, 0)) with { Status = MemberStatus.Dead };
            Publish(View with { Members = [.. View.Members.Where(m => m.SiloId != SiloId), dead] });
        }

        _lifetime?.StopApplication();
    }

    private void Publish(ClusterView view)
    {
        var previous = Interlocked.Exchange(ref _view, view);
        var change = ClusterViewChange.Between(previous, view);
        if (change.IsEmpty)
        {
            return;
        }

        ClusterLog.ViewChanged(_logger, view.Version, Ids(change.Joined), Ids(change.ShuttingDown), Ids(change.Left), Ids(change.Died));
        foreach (var observer in Volatile.Read(ref _observers))
        {
            try
            {
                observer(change);
            }
            catch (Exception e)
            {
                ClusterLog.ObserverFailed(_logger, e);
            }
        }

        static string Ids(IReadOnlyList<MembershipEntry> members) => string.Join(", ", members.Select(m => m.SiloId));
    }

    private void OnTimer()
    {
        if (Interlocked.Exchange(ref _timerBusy, 1) == 0)
        {
            _ = RefreshFromTimerAsync();
        }
    }

    private async Task RefreshFromTimerAsync()
    {
        try
        {
            await RefreshAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The next tick retries; until then the view stays as it was.
            ClusterLog.RefreshFailed(_logger, _options.RefreshInterval, e);
        }
        finally
        {
            Volatile.Write(ref _timerBusy, 0);
        }
    }

    private async Task DisposeTimerAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
            _timer = null;
        }
    }

    /// <summary>Stops the timer (without leaving; <see cref="StopAsync"/> leaves).</summary>
    public async ValueTask DisposeAsync()
    {
        await DisposeTimerAsync().ConfigureAwait(false);
        if (_state is State.Running or State.Leaving)
        {
            _state = State.Stopped;
        }
    }

    private sealed class Subscription(MembershipService owner, Action<ClusterViewChange> observer) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._observersLock)
            {
                owner._observers = owner._observers.Where(o => o != observer).ToArray();
            }
        }
    }
}

using MailMesh.Relays.Leadership;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace MailMesh.Relays.Tests;

/// <summary>Relay leadership over leases in the real test PostgreSQL: one runner at a time, self-fencing when the
/// database is out of reach, and takeover after a crash or a graceful stop.</summary>
public sealed class RelayLeadershipTests : IAsyncLifetime
{
    private static readonly RelayLeadershipOptions Fast = new() { LeaseDuration = TimeSpan.FromSeconds(1.5), RenewInterval = TimeSpan.FromMilliseconds(150) };
    private readonly string _schema = "l_" + Guid.NewGuid().ToString("N")[..20];
    private readonly Runners _runners = new();
    private PostgreSqlStore? _store;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_store is null)
        {
            return;
        }

        await _store.DisposeAsync();
        await using var connection = new NpgsqlConnection(TestServers.PostgresConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }

    [ServerFact(Server.Postgres)]
    public async Task RunAsync_TwoSilos_OnlyTheLeaseHolderRunsTheRelay()
    {
        var leases = await OpenAsync();
        var b = new CountingLeases(leases);
        using var stop = new CancellationTokenSource();
        var runA = Leadership(leases, "silo-a").RunAsync("webhook", _runners.Work("silo-a"), stop.Token);
        await _runners.Started("silo-a").Within("silo-a to start the relay");
        var runB = Leadership(b, "silo-b").RunAsync("webhook", _runners.Work("silo-b"), stop.Token);

        await b.Refused(5).Within("five refused attempts of silo-b");

        Assert.Equal("silo-a", await leases.GetHolderAsync(RelayLeadership.LeaseName("webhook")));
        Assert.False(_runners.Started("silo-b").IsCompleted, "silo-b ran the relay while silo-a held the lease");
        await stop.CancelAsync();
        await Task.WhenAll(runA, runB).Within("both loops to stop");
        Assert.Equal(1, _runners.MaxConcurrent);
    }

    [ServerFact(Server.Postgres)]
    public async Task RunAsync_HolderLosesTheDatabase_StopsItselfAndTheOtherSiloTakesOver()
    {
        var leases = await OpenAsync();
        var cut = new CountingLeases(leases);
        using var stop = new CancellationTokenSource();
        var runA = Leadership(cut, "silo-a").RunAsync("rabbitmq", _runners.Work("silo-a"), stop.Token);
        await _runners.Started("silo-a").Within("silo-a to start the relay");
        var runB = Leadership(leases, "silo-b").RunAsync("rabbitmq", _runners.Work("silo-b"), stop.Token);

        cut.CutOff = true;
        await _runners.Stopped("silo-a").Within("silo-a to stop the relay after its renewals failed");
        await _runners.Started("silo-b").Within("silo-b to take the expired lease");

        Assert.Equal("silo-b", await leases.GetHolderAsync(RelayLeadership.LeaseName("rabbitmq")));
        Assert.Equal(1, _runners.MaxConcurrent);
        Assert.True(_runners.StartedAt("silo-b") - _runners.StoppedAt("silo-a") >= TimeSpan.Zero, "silo-b started before silo-a stopped");
        await stop.CancelAsync();
        await Task.WhenAll(runA, runB).Within("both loops to stop");
    }

    [ServerFact(Server.Postgres)]
    public async Task RunAsync_HolderStopsGracefully_ReleasesTheLeaseAndTheOtherSiloTakesOver()
    {
        var leases = await OpenAsync();
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var slow = new RelayLeadershipOptions { LeaseDuration = TimeSpan.FromMinutes(5), RenewInterval = TimeSpan.FromMilliseconds(100) };
        var runA = new RelayLeadership(leases, "silo-a", slow, TimeProvider.System, NullLogger<RelayLeadership>.Instance)
            .RunAsync("webhook", _runners.Work("silo-a"), stopA.Token);
        await _runners.Started("silo-a").Within("silo-a to start the relay");
        var runB = new RelayLeadership(leases, "silo-b", slow, TimeProvider.System, NullLogger<RelayLeadership>.Instance)
            .RunAsync("webhook", _runners.Work("silo-b"), stopB.Token);

        await stopA.CancelAsync();
        await runA.Within("silo-a to stop");
        // The lease lasts five minutes: only the release lets silo-b in within the test's patience.
        await _runners.Started("silo-b").Within("silo-b to take the released lease");

        Assert.Equal("silo-b", await leases.GetHolderAsync(RelayLeadership.LeaseName("webhook")));
        await stopB.CancelAsync();
        await runB.Within("silo-b to stop");
        Assert.Null(await leases.GetHolderAsync(RelayLeadership.LeaseName("webhook")));
    }

    [ServerFact(Server.Postgres)]
    public async Task TryAcquireAsync_HeldByAnother_IsRefusedUntilItExpires()
    {
        var leases = await OpenAsync();

        Assert.True(await leases.TryAcquireAsync("relay:x", "silo-a", TimeSpan.FromMilliseconds(300)));
        Assert.False(await leases.TryAcquireAsync("relay:x", "silo-b", TimeSpan.FromMinutes(1)));
        Assert.True(await leases.TryAcquireAsync("relay:x", "silo-a", TimeSpan.FromMilliseconds(300)));
        await using (var connection = new NpgsqlConnection(TestServers.PostgresConnectionString))
        {
            await connection.OpenAsync();
            // Let the database's clock pass the expiry (the lease table judges expiry by it, not by ours).
            await using var wait = new NpgsqlCommand("SELECT pg_sleep(0.4)", connection);
            await wait.ExecuteNonQueryAsync();
        }

        Assert.Null(await leases.GetHolderAsync("relay:x"));
        Assert.True(await leases.TryAcquireAsync("relay:x", "silo-b", TimeSpan.FromMinutes(1)));
        Assert.Equal("silo-b", await leases.GetHolderAsync("relay:x"));
    }

    [ServerFact(Server.Postgres)]
    public async Task TryAcquireAsync_ZeroDuration_ThrowsNamingTheLease()
    {
        var leases = await OpenAsync();

        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => leases.TryAcquireAsync("relay:x", "silo-a", TimeSpan.Zero));

        Assert.Contains("lease 'relay:x' must be positive", e.Message, StringComparison.Ordinal);
    }

    private static RelayLeadership Leadership(ILeaseTable leases, string holder) =>
        new(leases, holder, Fast, TimeProvider.System, NullLogger<RelayLeadership>.Instance);

    private async Task<PostgreSqlLeaseTable> OpenAsync()
    {
        TestServers.Require(Server.Postgres);
        _store = await PostgreSqlStore.OpenAsync(new PostgreSqlStorageOptions { ConnectionString = TestServers.PostgresConnectionString, Schema = _schema });
        return new PostgreSqlLeaseTable(_store);
    }

    /// <summary>Passes calls through, counts refused acquisitions, and fails every call while <see cref="CutOff"/> (the
    /// silo lost its database connection).</summary>
    private sealed class CountingLeases(ILeaseTable inner) : ILeaseTable
    {
        private readonly Milestones _refused = new();

        public volatile bool CutOff;

        public Task Refused(int count) => _refused.WhenAtLeast(count);

        public async Task<bool> TryAcquireAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
        {
            ThrowIfCut();
            var held = await inner.TryAcquireAsync(name, holder, duration, cancellationToken);
            if (!held)
            {
                _refused.Increment();
            }

            return held;
        }

        public Task ReleaseAsync(string name, string holder, CancellationToken cancellationToken = default)
        {
            ThrowIfCut();
            return inner.ReleaseAsync(name, holder, cancellationToken);
        }

        public Task<string?> GetHolderAsync(string name, CancellationToken cancellationToken = default)
        {
            ThrowIfCut();
            return inner.GetHolderAsync(name, cancellationToken);
        }

        private void ThrowIfCut()
        {
            if (CutOff)
            {
                throw new StorageException("PostgreSQL at 127.0.0.1 is unreachable (cut off by the test)", isTransient: true);
            }
        }
    }

    /// <summary>Relay bodies that record when each silo started and stopped, and how many ran at once.</summary>
    private sealed class Runners
    {
        private readonly Dictionary<string, (TaskCompletionSource Started, TaskCompletionSource Stopped)> _silos = [];
        private readonly Dictionary<string, (DateTime Started, DateTime Stopped)> _times = [];
        private readonly Lock _lock = new();
        private int _running;

        public int MaxConcurrent { get; private set; }

        public Func<CancellationToken, Task> Work(string silo) => async token =>
        {
            lock (_lock)
            {
                _running++;
                MaxConcurrent = Math.Max(MaxConcurrent, _running);
                _times[silo] = (DateTime.UtcNow, default);
            }

            Signals(silo).Started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, token);
            }
            finally
            {
                lock (_lock)
                {
                    _running--;
                    _times[silo] = (_times[silo].Started, DateTime.UtcNow);
                }

                Signals(silo).Stopped.TrySetResult();
            }
        };

        public Task Started(string silo) => Signals(silo).Started.Task;

        public Task Stopped(string silo) => Signals(silo).Stopped.Task;

        public DateTime StartedAt(string silo)
        {
            lock (_lock)
            {
                return _times[silo].Started;
            }
        }

        public DateTime StoppedAt(string silo)
        {
            lock (_lock)
            {
                return _times[silo].Stopped;
            }
        }

        private (TaskCompletionSource Started, TaskCompletionSource Stopped) Signals(string silo)
        {
            lock (_lock)
            {
                if (!_silos.TryGetValue(silo, out var signals))
                {
                    signals = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously),
                        new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                    _silos[silo] = signals;
                }

                return signals;
            }
        }
    }
}

internal static class Patience
{
    /// <summary>Waits up to 30 s for <paramref name="task"/>; the timeout says what it waited for.</summary>
    public static async Task Within(this Task task, string what)
    {
        try
        {
            await task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("waited 30 s for " + what);
        }
    }
}

using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Runtime.Storage;
using MailMesh.Testing;
using Microsoft.Extensions.Hosting;

namespace MailMesh.Cluster.Tests;

/// <summary>Several silos' membership services in one process over one PostgreSQL schema and one manual clock. The
/// timers are set to an hour, so each test drives refreshes itself (one test checks the timer).</summary>
public sealed class MembershipServiceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 1, 0, 0, TimeSpan.Zero);
    private readonly ManualTimeProvider _clock = new(Start);
    private readonly List<MembershipService> _silos = [];
    private ClusterDatabase? _database;

    private ClusterDatabase Database => _database ??= new ClusterDatabase(_clock);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [ServerFact(Server.Postgres)]
    public async Task StartAsync_ThreeSilos_EachSeesAllThreeActive()
    {
        var a = await StartSiloAsync("silo-a");
        var joined = Changes(a);
        var b = await StartSiloAsync("silo-b");
        var c = await StartSiloAsync("silo-c");

        await a.RefreshAsync();
        await b.RefreshAsync();

        foreach (var silo in new[] { a, b, c })
        {
            Assert.Equal(["silo-a", "silo-b", "silo-c"], silo.View.ActiveSiloIds);
        }

        Assert.Equal(["silo-b", "silo-c"], Assert.Single(joined).Joined.Select(m => m.SiloId));
        Assert.Equal("10.0.0.2:5081", a.View.Find("silo-b")!.Address);
    }

    [ServerFact(Server.Postgres)]
    public async Task RefreshAsync_SiloStoppedHeartbeatingLongerThanTimeout_PeersDeclareItDeadAndAreNotified()
    {
        var a = await StartSiloAsync("silo-a");
        var b = await StartSiloAsync("silo-b");
        var c = await StartSiloAsync("silo-c");
        var seenByC = Changes(c);
        await b.DisposeAsync(); // killed: no leave, no more heartbeats

        _clock.Advance(TimeSpan.FromSeconds(9));
        await a.RefreshAsync();
        await c.RefreshAsync();
        Assert.Equal(MemberStatus.Active, a.View.Find("silo-b")!.Status);

        _clock.Advance(TimeSpan.FromSeconds(2));
        await a.RefreshAsync();
        await c.RefreshAsync();

        Assert.Equal(MemberStatus.Dead, a.View.Find("silo-b")!.Status);
        Assert.Equal(["silo-a", "silo-c"], c.View.ActiveSiloIds);
        Assert.Equal("silo-b", Assert.Single(Assert.Single(seenByC).Died).SiloId);
    }

    [ServerFact(Server.Postgres)]
    public async Task RefreshAsync_PeersDeclaredThisSiloDead_EvictsAndStopsTheHost()
    {
        var a = await StartSiloAsync("silo-a");
        var lifetime = new FakeLifetime();
        var b = await StartSiloAsync("silo-b", lifetime: lifetime);
        var seenByB = Changes(b);
        _clock.Advance(TimeSpan.FromSeconds(11)); // b was paused meanwhile
        await a.RefreshAsync();

        await b.RefreshAsync();

        Assert.True(b.IsEvicted);
        Assert.True(lifetime.StopRequested);
        Assert.Equal(MemberStatus.Dead, Assert.Single(Assert.Single(seenByB).Died).Status);
        Assert.Equal(["silo-a"], b.View.ActiveSiloIds);
    }

    [ServerFact(Server.Postgres)]
    public async Task StopAsync_Graceful_PeersSeeShuttingDownDuringHandOverThenLeft()
    {
        var a = await StartSiloAsync("silo-a");
        var b = await StartSiloAsync("silo-b");
        await a.RefreshAsync();
        var seenByA = Changes(a);
        MemberStatus? duringHandOver = null;
        b.OnLeaving(async ct =>
        {
            await a.RefreshAsync(ct);
            duringHandOver = a.View.Find("silo-b")!.Status;
        });

        await b.StopAsync(CancellationToken.None);
        await a.RefreshAsync();

        Assert.Equal(MemberStatus.ShuttingDown, duringHandOver);
        Assert.Equal(MemberStatus.Left, a.View.Find("silo-b")!.Status);
        Assert.Equal(["silo-b"], seenByA[0].ShuttingDown.Select(m => m.SiloId));
        Assert.Equal(["silo-b"], seenByA[1].Left.Select(m => m.SiloId));
        Assert.Equal(["silo-a"], a.View.ActiveSiloIds);
    }

    [ServerFact(Server.Postgres)]
    public async Task RefreshAsync_AfterTableOutage_WaitsGracePeriodBeforeDeclaringDeaths()
    {
        var table = new FlakyTable(new PostgreSqlMembershipTable(await Database.OpenStoreAsync()));
        var a = await StartSiloAsync("silo-a", table);
        var b = await StartSiloAsync("silo-b");
        for (var i = 0; i < 2; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(5));
            await a.RefreshAsync();
            await b.RefreshAsync();
        }

        // The database goes away for both at +10 s; b never comes back.
        table.Failing = true;
        _clock.Advance(TimeSpan.FromSeconds(12));
        await Assert.ThrowsAsync<StorageException>(() => a.RefreshAsync());
        table.Failing = false;
        await a.RefreshAsync();
        Assert.Equal(MemberStatus.Active, a.View.Find("silo-b")!.Status);

        _clock.Advance(TimeSpan.FromSeconds(10));
        await a.RefreshAsync();
        Assert.Equal(MemberStatus.Dead, a.View.Find("silo-b")!.Status);
    }

    [ServerFact(Server.Postgres)]
    public async Task Timer_RefreshIntervalPasses_NewMemberSeenWithoutExplicitRefresh()
    {
        var a = await StartSiloAsync("silo-a", refreshInterval: TimeSpan.FromSeconds(1));
        var joined = new TaskCompletionSource<ClusterViewChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = a.Subscribe(change => joined.TrySetResult(change));
        await StartSiloAsync("silo-b");

        _clock.Advance(TimeSpan.FromSeconds(1));

        var change = await ClusterDatabase.Within(joined.Task, "silo-a's timer to read the table and report silo-b joining");
        Assert.Equal("silo-b", Assert.Single(change.Joined).SiloId);
    }

    [ServerFact(Server.Postgres)]
    public async Task StartAsync_SiloIdInUse_ThrowsSayingIdsMustBeUnique()
    {
        await StartSiloAsync("silo-a");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartSiloAsync("silo-a"));

        Assert.Contains("must be unique", error.Message, StringComparison.Ordinal);
    }

    [ServerFact(Server.Postgres)]
    public async Task ShardOwners_TwoActiveSilos_EveryShardOwnedByOneOfThem()
    {
        var a = await StartSiloAsync("silo-a");
        await StartSiloAsync("silo-b");
        await a.RefreshAsync();

        var owners = a.ShardOwners();

        Assert.Equal(16, owners.Length);
        Assert.All(owners, o => Assert.Contains(o, new[] { "silo-a", "silo-b" }));
        Assert.Contains("silo-a", owners);
        Assert.Contains("silo-b", owners);
    }

    private async Task<MembershipService> StartSiloAsync(string id, IMembershipTable? table = null, TimeSpan? refreshInterval = null,
        IHostApplicationLifetime? lifetime = null)
    {
        table ??= new PostgreSqlMembershipTable(await Database.OpenStoreAsync());
        var options = new ClusterOptions
        {
            SiloId = id,
            Address = $"10.0.0.{_silos.Count + 1}:5081",
            ShardCount = 16,
            RefreshInterval = refreshInterval ?? TimeSpan.FromHours(1),
            HeartbeatInterval = TimeSpan.FromSeconds(2),
            DeclareDeadGracePeriod = TimeSpan.FromSeconds(10),
        };
        var silo = new MembershipService(table, options, _clock, lifetime: lifetime);
        await silo.StartAsync(CancellationToken.None);
        _silos.Add(silo);
        return silo;
    }

    private static List<ClusterViewChange> Changes(MembershipService silo)
    {
        var changes = new List<ClusterViewChange>();
        silo.Subscribe(changes.Add);
        return changes;
    }

    private sealed class FakeLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public bool StopRequested { get; private set; }

        public void StopApplication() => StopRequested = true;
    }

    /// <summary>The real table, or a database outage while <see cref="Failing"/> is set.</summary>
    private sealed class FlakyTable(IMembershipTable inner) : IMembershipTable
    {
        public bool Failing { get; set; }

        public Task<MembershipEntry> RegisterAsync(string siloId, string address, DateTimeOffset startedAt, CancellationToken cancellationToken = default) =>
            Run(() => inner.RegisterAsync(siloId, address, startedAt, cancellationToken));

        public Task<MembershipEntry> HeartbeatAsync(string siloId, CancellationToken cancellationToken = default) =>
            Run(() => inner.HeartbeatAsync(siloId, cancellationToken));

        public Task<MembershipSnapshot> ReadAsync(CancellationToken cancellationToken = default) =>
            Run(() => inner.ReadAsync(cancellationToken));

        public Task<IReadOnlyList<MembershipEntry>> DeclareDeadAsync(CancellationToken cancellationToken = default) =>
            Run(() => inner.DeclareDeadAsync(cancellationToken));

        public Task<MembershipEntry> BeginLeaveAsync(string siloId, CancellationToken cancellationToken = default) =>
            Run(() => inner.BeginLeaveAsync(siloId, cancellationToken));

        public Task<bool> LeaveAsync(string siloId, CancellationToken cancellationToken = default) =>
            Run(() => inner.LeaveAsync(siloId, cancellationToken));

        public Task<int> RemoveDefunctAsync(TimeSpan age, CancellationToken cancellationToken = default) =>
            Run(() => inner.RemoveDefunctAsync(age, cancellationToken));

        private Task<T> Run<T>(Func<Task<T>> call) =>
            Failing ? Task.FromException<T>(new StorageException("the test database is down", isTransient: true)) : call();
    }
}

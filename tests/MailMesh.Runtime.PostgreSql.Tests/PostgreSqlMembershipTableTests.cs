using MailMesh.Runtime.Cluster;
using MailMesh.Testing;

namespace MailMesh.Runtime.PostgreSql.Tests;

/// <summary>The membership table as two silos (stores sharing a schema and one manual clock) use it.</summary>
public sealed class PostgreSqlMembershipTableTests : TwoSiloTestBase
{
    private static readonly DateTimeOffset Start = new(2026, 11, 22, 21, 0, 0, TimeSpan.Zero);
    private readonly ManualTimeProvider _clock = new(Start);

    private PostgreSqlMembershipTable TableA => new(SiloA);

    private PostgreSqlMembershipTable TableB => new(SiloB);

    protected override PostgreSqlStorageOptions Options(string schema)
    {
        var options = PostgreSqlBackend.Options(schema);
        options.MemberDeathTimeout = TimeSpan.FromSeconds(10);
        return options;
    }

    protected override TimeProvider Clock => _clock;

    [ServerFact(Server.Postgres)]
    public async Task RegisterAsync_TwoSilos_BothSeeBothActive()
    {
        var a = await TableA.RegisterAsync("silo-a", "10.0.0.1:5081", Start.AddSeconds(-3));
        await TableB.RegisterAsync("silo-b", "10.0.0.2:5081", Start);

        var snapshot = await TableA.ReadAsync();

        Assert.Equal(["silo-a", "silo-b"], snapshot.Members.Select(m => m.SiloId));
        Assert.All(snapshot.Members, m => Assert.Equal(MemberStatus.Active, m.Status));
        Assert.Equal(new MembershipEntry("silo-a", "10.0.0.1:5081", Start.AddSeconds(-3), MemberStatus.Active, Start, 1), a);
        Assert.Equal(2, snapshot.Version);
        var seenByB = await TableB.ReadAsync();
        Assert.Equal(snapshot.Version, seenByB.Version);
        Assert.Equal(snapshot.Members, seenByB.Members);
    }

    [ServerFact(Server.Postgres)]
    public async Task ReadAsync_EmptyTable_ReturnsVersionZeroAndNoMembers()
    {
        var snapshot = await TableA.ReadAsync();

        Assert.Equal(0, snapshot.Version);
        Assert.Empty(snapshot.Members);
    }

    [ServerFact(Server.Postgres)]
    public async Task RegisterAsync_SameIdTwice_ThrowsSayingIdsMustBeUnique()
    {
        await TableA.RegisterAsync("silo-a", "10.0.0.1:5081", Start);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TableB.RegisterAsync("silo-a", "10.0.0.9:5081", Start));

        Assert.Contains("already in the membership table (status Active)", error.Message, StringComparison.Ordinal);
        Assert.Equal("10.0.0.1:5081", Assert.Single((await TableA.ReadAsync()).Members).Address);
    }

    [ServerFact(Server.Postgres)]
    public async Task HeartbeatAsync_Later_MovesLastHeartbeatWithoutChangingTheTableVersion()
    {
        await TableA.RegisterAsync("silo-a", "10.0.0.1:5081", Start);
        _clock.Advance(TimeSpan.FromSeconds(2));

        var beat = await TableA.HeartbeatAsync("silo-a");

        Assert.Equal(Start.AddSeconds(2), beat.LastHeartbeat);
        Assert.Equal(2, beat.Version);
        Assert.Equal(1, (await TableB.ReadAsync()).Version);
    }

    [ServerFact(Server.Postgres)]
    public async Task DeclareDeadAsync_SiloMissedHeartbeatsLongerThanTimeout_DeclaredOnceAndItsHeartbeatFails()
    {
        await TableA.RegisterAsync("silo-a", "10.0.0.1:5081", Start);
        await TableB.RegisterAsync("silo-b", "10.0.0.2:5081", Start);
        _clock.Advance(TimeSpan.FromSeconds(6));
        await TableB.HeartbeatAsync("silo-b");
        Assert.Empty(await TableB.DeclareDeadAsync());
        _clock.Advance(TimeSpan.FromSeconds(5));

        // Both silos run the failure detector at the same moment: silo-a's death is declared exactly once.
        var declared = await Task.WhenAll(TableA.DeclareDeadAsync(), TableB.DeclareDeadAsync());

        var dead = Assert.Single(declared.SelectMany(d => d));
        Assert.Equal(("silo-a", MemberStatus.Dead), (dead.SiloId, dead.Status));
        var error = await Assert.ThrowsAsync<SiloDeclaredDeadException>(() => TableA.HeartbeatAsync("silo-a"));
        Assert.Equal(MemberStatus.Dead, error.Status);
        Assert.Contains("must stop", error.Message, StringComparison.Ordinal);
        var snapshot = await TableB.ReadAsync();
        Assert.Equal([MemberStatus.Dead, MemberStatus.Active], snapshot.Members.Select(m => m.Status));
        Assert.Equal(3, snapshot.Version);
    }

    [ServerFact(Server.Postgres)]
    public async Task LeaveAsync_GracefulShutdown_ShuttingDownThenLeftAndNeverDeclaredDead()
    {
        await TableA.RegisterAsync("silo-a", "10.0.0.1:5081", Start);

        var leaving = await TableA.BeginLeaveAsync("silo-a");
        var stillBeating = await TableA.HeartbeatAsync("silo-a");
        var left = await TableA.LeaveAsync("silo-a");
        _clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(MemberStatus.ShuttingDown, leaving.Status);
        Assert.Equal(MemberStatus.ShuttingDown, stillBeating.Status);
        Assert.True(left);
        Assert.False(await TableA.LeaveAsync("silo-a"));
        Assert.Empty(await TableB.DeclareDeadAsync());
        Assert.Equal(MemberStatus.Left, Assert.Single((await TableB.ReadAsync()).Members).Status);
        await Assert.ThrowsAsync<SiloDeclaredDeadException>(() => TableA.BeginLeaveAsync("silo-a"));
        await Assert.ThrowsAsync<SiloDeclaredDeadException>(() => TableA.HeartbeatAsync("silo-a"));
    }

    [ServerFact(Server.Postgres)]
    public async Task HeartbeatAsync_UnknownSilo_ThrowsSayingItWasNeverRegistered()
    {
        var error = await Assert.ThrowsAsync<SiloDeclaredDeadException>(() => TableA.HeartbeatAsync("ghost"));

        Assert.Null(error.Status);
        Assert.Contains("not in the membership table", error.Message, StringComparison.Ordinal);
    }

    [ServerFact(Server.Postgres)]
    public async Task RemoveDefunctAsync_OldLeftAndDeadRows_RemovedLiveOnesKept()
    {
        await TableA.RegisterAsync("gone", "10.0.0.1:5081", Start);
        await TableA.RegisterAsync("dead", "10.0.0.2:5081", Start);
        await TableA.LeaveAsync("gone");
        _clock.Advance(TimeSpan.FromSeconds(11));
        await TableA.RegisterAsync("live", "10.0.0.3:5081", _clock.GetUtcNow());
        Assert.Equal("dead", Assert.Single(await TableA.DeclareDeadAsync()).SiloId);
        _clock.Advance(TimeSpan.FromHours(1));
        await TableA.HeartbeatAsync("live");

        Assert.Equal(2, await TableB.RemoveDefunctAsync(TimeSpan.FromMinutes(30)));

        Assert.Equal("live", Assert.Single((await TableB.ReadAsync()).Members).SiloId);
    }

    [ServerFact(Server.Postgres)]
    public async Task RegisterAsync_BadArguments_ThrowClearErrors()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => TableA.RegisterAsync("", "10.0.0.1:5081", Start));
        var address = await Assert.ThrowsAsync<ArgumentException>(() => TableA.RegisterAsync("silo-a", " ", Start));
        Assert.Contains("address", address.Message, StringComparison.Ordinal);
        Assert.Empty((await TableA.ReadAsync()).Members);
    }
}

using MailMesh.Grains.Mailboxes;
using MailMesh.Runtime.Cluster;
using MailMesh.Telemetry.Domain;
using MailMesh.Telemetry.Prometheus;
using MailMesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace MailMesh.Telemetry.Tests;

/// <summary>The domain metrics as Prometheus scrapes them: names with units, HELP and TYPE, bounded labels.</summary>
public sealed class DomainMetricsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task MailboxSyncMetrics_MailboxesInEachState_ScrapeLagMailboxesMessagesAndRunsByState()
    {
        var clock = new ManualTimeProvider(Start);
        using var sync = new MailboxSyncMetrics(clock);
        var (reader, provider) = Reader(MailboxSyncMetrics.Name);
        using (provider)
        {
            sync.RunCompleted("t1/ok-a", Status(lastSuccess: Start.AddMinutes(-2), messages: 100, failures: 0));
            sync.RunCompleted("t1/ok-b", Status(lastSuccess: Start.AddSeconds(-30), messages: 20, failures: 0));
            sync.RunCompleted("t1/failing", Status(lastSuccess: Start.AddHours(-1), messages: 5, failures: 3, SyncErrorKind.Auth));
            sync.RunCompleted("t1/new", Status(lastSuccess: null, messages: 0, failures: 0, attempt: Start.AddSeconds(-10)));
            sync.RunCompleted("t1/removed", Status(lastSuccess: Start, messages: 1, failures: 0) with { Configured = false });
            clock.Advance(TimeSpan.FromSeconds(10));

            var families = ExpositionParser.Parse((await reader.ScrapeAsync(TimeSpan.FromSeconds(10)))!);

            var lag = families["mailmesh_mailbox_sync_lag_seconds"];
            Assert.Equal("gauge", lag.Type);
            Assert.False(string.IsNullOrEmpty(lag.Help));
            Assert.Equal(130, ByState(lag)["ok"]);
            Assert.Equal(3610, ByState(lag)["failing"]);
            Assert.Equal(20, ByState(lag)["never_synced"]);
            Assert.Equal(new Dictionary<string, double> { ["ok"] = 2, ["failing"] = 1, ["never_synced"] = 1 }, ByState(families["mailmesh_mailbox_sync_mailboxes"]));
            Assert.Equal(120, ByState(families["mailmesh_mailbox_messages"])["ok"]);
            var runs = families["mailmesh_mailbox_sync_runs_total"];
            Assert.Equal("counter", runs.Type);
            Assert.Contains(runs.Samples, s => s.Labels["outcome"] == "auth" && s.Value >= 1);
        }
    }

    [Fact]
    public async Task ClusterMetrics_ThreeMembersOneDead_ScrapeMembersByStatusAndOwnedShards()
    {
        var membership = new FixedMembership("silo-" + Guid.NewGuid().ToString("N")[..8], 256,
            [("silo-x", MemberStatus.Active), ("silo-y", MemberStatus.Dead)]);
        using var services = new ServiceCollection().AddSingleton<IClusterMembership>(membership).BuildServiceProvider();
        var metrics = new ClusterMetrics(services);
        var (reader, provider) = Reader(ClusterMetrics.Name);
        using (provider)
        {
            await metrics.StartAsync(CancellationToken.None);
            var families = ExpositionParser.Parse((await reader.ScrapeAsync(TimeSpan.FromSeconds(10)))!);
            await metrics.StopAsync(CancellationToken.None);
            var afterStop = ExpositionParser.Parse((await reader.ScrapeAsync(TimeSpan.FromSeconds(10)))!);

            var members = families["mailmesh_cluster_members"].Samples.Where(s => s.Labels["silo"] == membership.SiloId).ToList();
            Assert.Equal("gauge", families["mailmesh_cluster_members"].Type);
            Assert.Equal(2, members.Single(s => s.Labels["status"] == "active").Value);
            Assert.Equal(1, members.Single(s => s.Labels["status"] == "dead").Value);
            var owned = families["mailmesh_cluster_shards_owned"].Samples.Single(s => s.Labels["silo"] == membership.SiloId).Value;
            var expected = GrainShards.Assign(membership.View.ActiveSiloIds, 256).Count(o => o == membership.SiloId);
            Assert.Equal(expected, owned);
            Assert.InRange(owned, 64, 192);
            Assert.Equal(256, families["mailmesh_cluster_shards"].Samples.Single(s => s.Labels["silo"] == membership.SiloId).Value);
            Assert.DoesNotContain(afterStop.GetValueOrDefault("mailmesh_cluster_members")?.Samples ?? [], s => s.Labels["silo"] == membership.SiloId);
        }
    }

    private static Dictionary<string, double> ByState(ExpositionParser.Family family) =>
        family.Samples.ToDictionary(s => s.Labels["state"], s => s.Value);

    private static MailboxSyncStatus Status(DateTimeOffset? lastSuccess, long messages, int failures, SyncErrorKind error = SyncErrorKind.None, DateTimeOffset? attempt = null) =>
        new(true, false, lastSuccess, attempt ?? lastSuccess, messages, 1, 1, error, failures > 0 ? "login refused" : null, failures, null);

    private static (PrometheusMetricReader Reader, MeterProvider Provider) Reader(string meter)
    {
        var reader = new PrometheusMetricReader();
        return (reader, Sdk.CreateMeterProviderBuilder().AddMeter(meter).AddReader(reader).Build());
    }

    private sealed class FixedMembership(string self, int shards, (string Id, MemberStatus Status)[] others) : IClusterMembership
    {
        public string SiloId => self;

        public string Address => self + ":5081";

        public int ShardCount => shards;

        public ClusterView View { get; } = new(3,
        [
            new MembershipEntry(self, self + ":5081", DateTimeOffset.UnixEpoch, MemberStatus.Active, DateTimeOffset.UnixEpoch, 1),
            .. others.Select(o => new MembershipEntry(o.Id, o.Id + ":5081", DateTimeOffset.UnixEpoch, o.Status, DateTimeOffset.UnixEpoch, 1)),
        ]);

        public IDisposable Subscribe(Action<ClusterViewChange> observer) => throw new NotSupportedException("the metrics only read the view");

        public void OnLeaving(Func<CancellationToken, Task> handOver) => throw new NotSupportedException("the metrics only read the view");
    }
}

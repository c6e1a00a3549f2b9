using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MailMesh.Runtime.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace MailMesh.Telemetry.Domain;

/// <summary>Cluster metrics read from this silo's membership view at each collection (meter
/// <c>MailMesh.Telemetry.Cluster</c>): <c>mailmesh.cluster.members</c> {silo} [status = active | shutting_down | left |
/// dead], and <c>mailmesh.cluster.shards.owned</c> {shard}, the shards the view assigns to this silo (its
/// <c>mailmesh.cluster.shards</c> {shard} is the total). Nothing is reported in embedded mode.</summary>
public sealed class ClusterMetrics(IServiceProvider services) : IHostedService
{
    /// <summary>The meter's name.</summary>
    public const string Name = "MailMesh.Telemetry.Cluster";

    private static readonly Meter Meter = new(Name);
    private static readonly ConcurrentDictionary<IClusterMembership, byte> Tracked = new();
    private IClusterMembership? _membership;

    static ClusterMetrics()
    {
        Meter.CreateObservableGauge("mailmesh.cluster.members", ObserveMembers, "{silo}",
            "Silos in this silo's membership view, by status (active, shutting_down, left, dead).");
        Meter.CreateObservableGauge("mailmesh.cluster.shards.owned", () => Observe(static m => OwnedBy(m)), "{shard}",
            "Shards the membership view assigns to this silo.");
        Meter.CreateObservableGauge("mailmesh.cluster.shards", () => Observe(static m => m.ShardCount), "{shard}",
            "Shards of the cluster (fixed for its life).");
    }

    /// <summary>The status label of a member status.</summary>
    public static string StatusLabel(MemberStatus status) => status switch
    {
        MemberStatus.Active => "active",
        MemberStatus.ShuttingDown => "shutting_down",
        MemberStatus.Left => "left",
        _ => "dead",
    };

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _membership = services.GetService<IClusterMembership>();
        if (_membership is not null)
        {
            Tracked.TryAdd(_membership, 0);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_membership is not null)
        {
            Tracked.TryRemove(_membership, out _);
        }

        return Task.CompletedTask;
    }

    private static int OwnedBy(IClusterMembership membership)
    {
        var owners = GrainShards.Assign(membership.View.ActiveSiloIds, membership.ShardCount);
        return owners.Count(o => string.Equals(o, membership.SiloId, StringComparison.Ordinal));
    }

    private static List<Measurement<int>> Observe(Func<IClusterMembership, int> measure) =>
        Tracked.Keys.Select(m => new Measurement<int>(measure(m), new KeyValuePair<string, object?>("silo", m.SiloId))).ToList();

    private static List<Measurement<int>> ObserveMembers()
    {
        var measurements = new List<Measurement<int>>();
        foreach (var membership in Tracked.Keys)
        {
            foreach (var group in membership.View.Members.GroupBy(m => m.Status))
            {
                measurements.Add(new Measurement<int>(group.Count(), new KeyValuePair<string, object?>("status", StatusLabel(group.Key)),
                    new KeyValuePair<string, object?>("silo", membership.SiloId)));
            }
        }

        return measurements;
    }
}

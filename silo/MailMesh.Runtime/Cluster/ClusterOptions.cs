using MailMesh.Runtime.Cluster;

namespace MailMesh.Runtime;

/// <summary>Settings of cluster mode (configuration section <c>Cluster</c>; environment <c>MAILMESH__CLUSTER__…</c>).</summary>
public sealed class ClusterOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Cluster";

    /// <summary>This silo's id, unique per process start. Default: the host name and a random suffix.</summary>
    public string? SiloId { get; set; }

    /// <summary>Where peers and clients reach this silo (host:port of its gRPC endpoint), e.g. <c>10.0.0.7:5081</c>.
    /// Default: the host name.</summary>
    public string? Address { get; set; }

    /// <summary>Number of shard queues; fixed for the life of a cluster (every silo must agree). Default 256.</summary>
    public int ShardCount { get; set; } = GrainShards.DefaultShardCount;

    /// <summary>How often this silo records a heartbeat. Default 2 s (well under the death timeout, 10 s by default
    /// <c>Storage:PostgreSql:MemberDeathTimeout</c>).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often this silo reads the membership table and looks for silos whose heartbeats stopped.
    /// Default 1 s.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a silo must have reached the table continuously before it declares others dead, so that after
    /// a database outage every silo gets to heartbeat first. Default 10 s.</summary>
    public TimeSpan DeclareDeadGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Rows of silos that left or died are deleted after this long. Default 1 hour.</summary>
    public TimeSpan DefunctRetention { get; set; } = TimeSpan.FromHours(1);
}

namespace MailMesh.Runtime.Cluster;

/// <summary>Which grains this silo is responsible for in cluster mode (registered by the cluster fabric). Work that
/// the runtime starts on its own, such as reminder ticks, runs only on the responsible silo; without one (embedded
/// mode) the silo is responsible for every grain.</summary>
public interface IShardOwnership
{
    /// <summary>Whether this silo consumes <paramref name="grain"/>'s shard now (and is not handing it over).</summary>
    bool OwnsShardOf(GrainId grain);

    /// <summary>Raised after this silo started consuming one or more shards (at start, when a silo died or left, or in a
    /// rebalance): work that fell due while no silo ran them, such as a reminder tick skipped here, runs now.</summary>
    event Action? ShardsAcquired;
}

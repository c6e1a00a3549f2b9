using System.Buffers;
using System.Text;

namespace MailMesh.Runtime.Cluster;

/// <summary>The cluster's placement functions: which shard a grain belongs to and which live silo owns a shard. Both
/// are fixed definitions (the same in every process, platform and version), never <see cref="string.GetHashCode()"/>.</summary>
/// <remarks>
/// <para>Grain hash: FNV-1a (32 bit) over the UTF-8 bytes of <c>Type + "/" + Key</c> (<see cref="GrainId.ToString"/>),
/// followed by the MurmurHash3 32-bit finalizer so every bit of the result depends on every input byte. Shard:
/// hash mod shard count.</para>
/// <para>Shard owner: rendezvous (highest random weight) hashing — each active silo's weight for a shard is the
/// SplitMix64 finalizer of FNV-1a (64 bit) of the silo id XOR the finalized shard number; the heaviest silo owns it.
/// When a silo joins or leaves, only the shards it wins or held move.</para>
/// </remarks>
public static class GrainShards
{
    /// <summary>The default number of shards of a cluster (<c>Cluster:ShardCount</c>).</summary>
    public const int DefaultShardCount = 256;

    /// <summary>The largest shard count a cluster may have.</summary>
    public const int MaxShardCount = 65_536;

    /// <summary>The grain's stable 32-bit hash (see the remarks of <see cref="GrainShards"/>).</summary>
    public static uint Hash(GrainId grain)
    {
        ArgumentException.ThrowIfNullOrEmpty(grain.Type);
        ArgumentNullException.ThrowIfNull(grain.Key);
        var length = Encoding.UTF8.GetMaxByteCount(grain.Type.Length + 1 + grain.Key.Length);
        byte[]? rented = null;
        var buffer = length <= 1024 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var written = Encoding.UTF8.GetBytes(grain.Type, buffer);
            buffer[written++] = (byte)'/';
            written += Encoding.UTF8.GetBytes(grain.Key, buffer[written..]);
            return Finalize32(Fnv1a32(buffer[..written]));
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The shard (0 to <paramref name="shardCount"/> - 1) that holds <paramref name="grain"/>.</summary>
    public static int ShardOf(GrainId grain, int shardCount)
    {
        CheckShardCount(shardCount);
        return (int)(Hash(grain) % (uint)shardCount);
    }

    /// <summary>The rendezvous weight of <paramref name="siloId"/> for <paramref name="shard"/>.</summary>
    public static ulong Weight(string siloId, int shard)
    {
        ArgumentException.ThrowIfNullOrEmpty(siloId);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        return Weight(SiloHash(siloId), shard);
    }

    /// <summary>The owner of every shard among <paramref name="siloIds"/> (the active members): element i is the id of
    /// the silo that owns shard i, or null for every shard when there are no silos.</summary>
    public static string?[] Assign(IReadOnlyCollection<string> siloIds, int shardCount)
    {
        ArgumentNullException.ThrowIfNull(siloIds);
        CheckShardCount(shardCount);
        var silos = siloIds.Distinct(StringComparer.Ordinal).Select(id => (Id: id, Hash: SiloHash(id))).ToArray();
        var owners = new string?[shardCount];
        for (var shard = 0; shard < shardCount; shard++)
        {
            ulong best = 0;
            string? owner = null;
            foreach (var (id, hash) in silos)
            {
                var weight = Weight(hash, shard);
                // Ties (practically impossible) go to the smaller id so every silo decides alike.
                if (owner is null || weight > best || (weight == best && string.CompareOrdinal(id, owner) < 0))
                {
                    best = weight;
                    owner = id;
                }
            }

            owners[shard] = owner;
        }

        return owners;
    }

    /// <summary>Throws a clear error when <paramref name="shardCount"/> is out of range.</summary>
    public static void CheckShardCount(int shardCount)
    {
        if (shardCount is < 1 or > MaxShardCount)
        {
            throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, $"The shard count must be 1-{MaxShardCount} (default {DefaultShardCount}).");
        }
    }

    private static ulong SiloHash(string siloId)
    {
        var bytes = Encoding.UTF8.GetBytes(siloId);
        var hash = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static ulong Weight(ulong siloHash, int shard) => Mix64(siloHash ^ Mix64((ulong)shard + 1));

    private static uint Fnv1a32(ReadOnlySpan<byte> bytes)
    {
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    private static uint Finalize32(uint h)
    {
        h ^= h >> 16;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        h *= 0xC2B2AE35u;
        h ^= h >> 16;
        return h;
    }

    private static ulong Mix64(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

namespace MailMesh.Runtime.Cluster;

/// <summary>The cluster's members as one silo last read them from the membership table.</summary>
/// <param name="Version">The table's version (bumped by joins, leaves and deaths).</param>
/// <param name="Members">Every row, live or not, ordered by silo id.</param>
[Immutable]
public sealed record ClusterView(long Version, IReadOnlyList<MembershipEntry> Members)
{
    /// <summary>A view before the table was first read.</summary>
    public static ClusterView Empty { get; } = new(0, []);

    /// <summary>The ids of the <see cref="MemberStatus.Active"/> members: the silos that own shards.</summary>
    public IReadOnlyList<string> ActiveSiloIds => Members.Where(m => m.Status == MemberStatus.Active).Select(m => m.SiloId).ToArray();

    /// <summary>The row of <paramref name="siloId"/>; null when it has none.</summary>
    public MembershipEntry? Find(string siloId) => Members.FirstOrDefault(m => string.Equals(m.SiloId, siloId, StringComparison.Ordinal));
}

/// <summary>What changed between two views: who joined, who announced a graceful shutdown, who left, who died.</summary>
/// <param name="Previous">The view before.</param>
/// <param name="Current">The view now.</param>
/// <param name="Joined">Members that became active.</param>
/// <param name="ShuttingDown">Members that announced a graceful shutdown.</param>
/// <param name="Left">Members that left gracefully.</param>
/// <param name="Died">Members declared dead.</param>
[Immutable]
public sealed record ClusterViewChange(
    ClusterView Previous,
    ClusterView Current,
    IReadOnlyList<MembershipEntry> Joined,
    IReadOnlyList<MembershipEntry> ShuttingDown,
    IReadOnlyList<MembershipEntry> Left,
    IReadOnlyList<MembershipEntry> Died)
{
    /// <summary>Compares two views by each member's status (heartbeat times are not changes).</summary>
    public static ClusterViewChange Between(ClusterView previous, ClusterView current)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(current);
        List<MembershipEntry> joined = [], shuttingDown = [], left = [], died = [];
        foreach (var member in current.Members)
        {
            var before = previous.Find(member.SiloId)?.Status;
            if (before == member.Status)
            {
                continue;
            }

            var list = member.Status switch
            {
                MemberStatus.Active => joined,
                MemberStatus.ShuttingDown => shuttingDown,
                MemberStatus.Left => left,
                _ => died,
            };
            if (before is not null || member.Status == MemberStatus.Active)
            {
                list.Add(member);
            }
        }

        return new ClusterViewChange(previous, current, joined, shuttingDown, left, died);
    }

    /// <summary>Whether any member changed status.</summary>
    public bool IsEmpty => Joined.Count == 0 && ShuttingDown.Count == 0 && Left.Count == 0 && Died.Count == 0;
}

/// <summary>This silo's membership in the cluster: its id, the current view of the members (refreshed every
/// second or so), and notifications when members join, leave or die.</summary>
public interface IClusterMembership
{
    /// <summary>This silo's id in the membership table.</summary>
    string SiloId { get; }

    /// <summary>The address peers and clients reach this silo at.</summary>
    string Address { get; }

    /// <summary>The cluster's number of shards (the same on every silo).</summary>
    int ShardCount { get; }

    /// <summary>The latest view.</summary>
    ClusterView View { get; }

    /// <summary>Calls <paramref name="observer"/> after every change of a member's status (on the membership service's
    /// refresh loop, one change at a time). Dispose the result to stop.</summary>
    IDisposable Subscribe(Action<ClusterViewChange> observer);

    /// <summary>Registers work to run during a graceful shutdown, after this silo announced it is leaving and before it
    /// leaves the table (e.g. handing its shards over). Handlers run in registration order.</summary>
    void OnLeaving(Func<CancellationToken, Task> handOver);
}

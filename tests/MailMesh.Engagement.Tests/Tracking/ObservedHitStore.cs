using MailMesh.Campaigns.SendLog;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Tracking;

/// <summary>The real SQLite hit store with the hand-overs the writer opened, merged and closed written down, and a merge that
/// fails on demand (a disk or database outage a real file will not produce at a chosen moment).</summary>
internal sealed class ObservedHitStore(HitStore inner) : ForwardingHitStore(inner)
{
    private readonly Lock _gate = new();
    private readonly List<int> _stored = [];
    private readonly List<IReadOnlyList<long>> _merged = [];
    private readonly List<long> _closed = [];

    /// <summary>Whether every merge fails with an <see cref="IOException"/>.</summary>
    public bool FailMerges { get; set; }

    /// <summary>The size of each batch stored for hand-over, in order.</summary>
    public IReadOnlyList<int> Stored => Copy(_stored);

    /// <summary>The hand-overs of each merge, in order.</summary>
    public IReadOnlyList<IReadOnlyList<long>> Merged => Copy(_merged);

    /// <summary>The hand-overs closed, in order.</summary>
    public IReadOnlyList<long> Closed => Copy(_closed);

    public override async Task<long> StoreForHandOverAsync(IReadOnlyList<HitRecord> hits, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var id = await base.StoreForHandOverAsync(hits, now, cancellationToken);
        Note(_stored, hits.Count);
        return id;
    }

    public override Task<long> MergeHandOversAsync(IReadOnlyList<long> handOvers, IReadOnlyList<HitRecord> hits, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        Note(_merged, [.. handOvers]);
        return FailMerges
            ? throw new IOException("disk I/O error (the store is failing on purpose)")
            : base.MergeHandOversAsync(handOvers, hits, now, cancellationToken);
    }

    public override async Task CloseHandOverAsync(
        long handOver, IReadOnlyList<(Guid Id, HitState State, bool Machine, string? Reason)> changes,
        IReadOnlyList<(string Tenant, string Contact, EngagementSummary Summary)> contacts, CancellationToken cancellationToken = default)
    {
        await base.CloseHandOverAsync(handOver, changes, contacts, cancellationToken);
        Note(_closed, handOver);
    }

    private void Note<T>(List<T> list, T item)
    {
        lock (_gate)
        {
            list.Add(item);
        }
    }

    private IReadOnlyList<T> Copy<T>(List<T> list)
    {
        lock (_gate)
        {
            return [.. list];
        }
    }
}

using MailMesh.Campaigns.SendLog;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Tracking;

/// <summary>The real SQLite hit store with the hand-overs the writer opened, merged and closed written down, and a merge that
/// fails on demand (a disk or database outage a real file will not produce at a chosen moment).</summary>
internal sealed class ObservedHitStore(HitStore inner) : IHitStore
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

    public async Task<long> StoreForHandOverAsync(IReadOnlyList<HitRecord> hits, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var id = await inner.StoreForHandOverAsync(hits, now, cancellationToken);
        Note(_stored, hits.Count);
        return id;
    }

    public Task<long> MergeHandOversAsync(IReadOnlyList<long> handOvers, IReadOnlyList<HitRecord> hits, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        Note(_merged, [.. handOvers]);
        return FailMerges
            ? throw new IOException("disk I/O error (the store is failing on purpose)")
            : inner.MergeHandOversAsync(handOvers, hits, now, cancellationToken);
    }

    public async Task CloseHandOverAsync(
        long handOver, IReadOnlyList<(Guid Id, HitState State, bool Machine, string? Reason)> changes,
        IReadOnlyList<(string Tenant, string Contact, EngagementSummary Summary)> contacts, CancellationToken cancellationToken = default)
    {
        await inner.CloseHandOverAsync(handOver, changes, contacts, cancellationToken);
        Note(_closed, handOver);
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public Task InsertAsync(IReadOnlyList<HitRecord> hits, CancellationToken cancellationToken = default) => inner.InsertAsync(hits, cancellationToken);

    public Task MarkAsync(IReadOnlyList<(Guid Id, HitState State, bool Machine, string? Reason)> marks, CancellationToken cancellationToken = default) =>
        inner.MarkAsync(marks, cancellationToken);

    public Task<IReadOnlyList<HitRecord>> PendingAsync(int max, CancellationToken cancellationToken = default) => inner.PendingAsync(max, cancellationToken);

    public Task<HitCounts> CountAsync(string tenant, string? campaign, HitKind kind, CancellationToken cancellationToken = default) =>
        inner.CountAsync(tenant, campaign, kind, cancellationToken);

    public Task<IReadOnlyList<OpenHandOver>> OpenHandOversAsync(DateTimeOffset openedBy, int max, CancellationToken cancellationToken = default) =>
        inner.OpenHandOversAsync(openedBy, max, cancellationToken);

    public Task UpsertContactsAsync(IReadOnlyList<(string Tenant, string Contact, EngagementSummary Summary)> contacts, CancellationToken cancellationToken = default) =>
        inner.UpsertContactsAsync(contacts, cancellationToken);

    public Task<IReadOnlyList<(string Tenant, string Contact)>> DueForRescoreAsync(
        DateTimeOffset now, TimeSpan activeWindow, TimeSpan newWindow, TimeSpan dormantAfter, int max, CancellationToken cancellationToken = default) =>
        inner.DueForRescoreAsync(now, activeWindow, newWindow, dormantAfter, max, cancellationToken);

    public Task PrepareReportsAsync(CancellationToken cancellationToken = default) => inner.PrepareReportsAsync(cancellationToken);

    public Task<HitReportCounts> ReportCountsAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default) =>
        inner.ReportCountsAsync(tenant, campaign, membersDatabase, cancellationToken);

    public Task<IReadOnlyList<ReportLink>> ReportLinksAsync(string tenant, string campaign, string? membersDatabase, CancellationToken cancellationToken = default) =>
        inner.ReportLinksAsync(tenant, campaign, membersDatabase, cancellationToken);

    public Task<IReadOnlyList<HitReportHour>> ReportHoursAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default) =>
        inner.ReportHoursAsync(tenant, campaign, membersDatabase, cancellationToken);

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

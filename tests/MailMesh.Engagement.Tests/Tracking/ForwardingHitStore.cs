using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tests.Tracking;

/// <summary>A hit store that passes every call to the real store it wraps: a test's store derives from it and overrides
/// only the calls it watches or makes fail.</summary>
internal abstract class ForwardingHitStore(IHitStore inner) : IHitStore
{
    public virtual Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public virtual Task InsertAsync(IReadOnlyList<HitRecord> hits, CancellationToken cancellationToken = default) => inner.InsertAsync(hits, cancellationToken);

    public virtual Task MarkAsync(IReadOnlyList<(Guid Id, HitState State, bool Machine, string? Reason)> marks, CancellationToken cancellationToken = default) =>
        inner.MarkAsync(marks, cancellationToken);

    public virtual Task<IReadOnlyList<HitRecord>> PendingAsync(int max, CancellationToken cancellationToken = default) => inner.PendingAsync(max, cancellationToken);

    public virtual Task<HitCounts> CountAsync(string tenant, string? campaign, HitKind kind, CancellationToken cancellationToken = default) =>
        inner.CountAsync(tenant, campaign, kind, cancellationToken);

    public virtual Task<long> StoreForHandOverAsync(IReadOnlyList<HitRecord> hits, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.StoreForHandOverAsync(hits, now, cancellationToken);

    public virtual Task<long> MergeHandOversAsync(IReadOnlyList<long> handOvers, IReadOnlyList<HitRecord> hits, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.MergeHandOversAsync(handOvers, hits, now, cancellationToken);

    public virtual Task CloseHandOverAsync(
        long handOver, IReadOnlyList<(Guid Id, HitState State, bool Machine, string? Reason)> changes,
        IReadOnlyList<(string Tenant, string Contact, EngagementSummary Summary)> contacts, CancellationToken cancellationToken = default) =>
        inner.CloseHandOverAsync(handOver, changes, contacts, cancellationToken);

    public virtual Task<IReadOnlyList<OpenHandOver>> OpenHandOversAsync(DateTimeOffset openedBy, int max, CancellationToken cancellationToken = default) =>
        inner.OpenHandOversAsync(openedBy, max, cancellationToken);

    public virtual Task UpsertContactsAsync(IReadOnlyList<(string Tenant, string Contact, EngagementSummary Summary)> contacts, CancellationToken cancellationToken = default) =>
        inner.UpsertContactsAsync(contacts, cancellationToken);

    public virtual Task<IReadOnlyList<(string Tenant, string Contact)>> DueForRescoreAsync(
        DateTimeOffset now, TimeSpan activeWindow, TimeSpan newWindow, TimeSpan dormantAfter, int max, CancellationToken cancellationToken = default) =>
        inner.DueForRescoreAsync(now, activeWindow, newWindow, dormantAfter, max, cancellationToken);

    public virtual Task PrepareReportsAsync(CancellationToken cancellationToken = default) => inner.PrepareReportsAsync(cancellationToken);

    public virtual Task<HitReportCounts> ReportCountsAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default) =>
        inner.ReportCountsAsync(tenant, campaign, membersDatabase, cancellationToken);

    public virtual Task<IReadOnlyList<ReportLink>> ReportLinksAsync(string tenant, string campaign, string? membersDatabase, CancellationToken cancellationToken = default) =>
        inner.ReportLinksAsync(tenant, campaign, membersDatabase, cancellationToken);

    public virtual Task<IReadOnlyList<HitReportHour>> ReportHoursAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default) =>
        inner.ReportHoursAsync(tenant, campaign, membersDatabase, cancellationToken);
}

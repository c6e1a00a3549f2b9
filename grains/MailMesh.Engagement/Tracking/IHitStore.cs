using MailMesh.Campaigns.SendLog;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tracking;

/// <summary>The engagement event store: every raw hit with its classification, the open hand-overs of batches not yet known
/// to be counted by the engagement grains, the statuses of contacts reached, and the report queries over the hits. The
/// embedded silo keeps it in a SQLite file (<see cref="HitStore"/>); a cluster keeps it in its PostgreSQL schema, so every
/// silo's tracking listener writes into one store and every report sees every silo's hits. Failures are
/// <see cref="IOException"/>s (a SQLite error is retried by the writer as one too).</summary>
public interface IHitStore
{
    /// <summary>Creates the tables (idempotent; safe when silos start together).</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores hits (ids already stored are skipped); opens and clicks are <see cref="HitState.Pending"/>, other
    /// kinds <see cref="HitState.Applied"/>.</summary>
    Task InsertAsync(IReadOnlyList<HitRecord> hits, CancellationToken cancellationToken = default);

    /// <summary>Records what the grains made of hits: their final classification and state.</summary>
    Task MarkAsync(IReadOnlyList<(Guid Id, HitState State, bool Machine, string? Reason)> marks, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="max"/> hits still <see cref="HitState.Pending"/>, oldest first.</summary>
    Task<IReadOnlyList<HitRecord>> PendingAsync(int max, CancellationToken cancellationToken = default);

    /// <summary>Counts of <paramref name="kind"/> hits of a campaign (or all of the tenant's when null).</summary>
    Task<HitCounts> CountAsync(string tenant, string? campaign, HitKind kind, CancellationToken cancellationToken = default);

    /// <summary>Stores a batch for hand-over atomically: the hits as <see cref="HitState.Applied"/> (ids already stored are
    /// skipped) and an open hand-over listing their ids. Returns the hand-over's id, which the store never gives another
    /// hand-over (engagement grains skip a hand-over they counted by its id).</summary>
    Task<long> StoreForHandOverAsync(IReadOnlyList<HitRecord> hits, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Replaces the open hand-overs <paramref name="handOvers"/> by one that lists <paramref name="hits"/> (the hits
    /// of all of them, as stored), atomically, opened when the oldest of them was. Returns its id, which the store never gave
    /// another hand-over. The writer stores a backlog batch by batch (a crash loses at most the batch being stored) and hands
    /// the batches over together under this one id, so that a contact's hits of several batches share one grain turn.</summary>
    Task<long> MergeHandOversAsync(IReadOnlyList<long> handOvers, IReadOnlyList<HitRecord> hits, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Closes hand-over <paramref name="handOver"/> atomically with the rows that differ from what was stored
    /// (<paramref name="changes"/>) and the statuses of the contacts it reached.</summary>
    Task CloseHandOverAsync(
        long handOver, IReadOnlyList<(Guid Id, HitState State, bool Machine, string? Reason)> changes,
        IReadOnlyList<(string Tenant, string Contact, EngagementSummary Summary)> contacts, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="max"/> hand-overs opened at or before <paramref name="openedBy"/> and not closed,
    /// oldest first, with their hits in the order they were stored.</summary>
    Task<IReadOnlyList<OpenHandOver>> OpenHandOversAsync(DateTimeOffset openedBy, int max, CancellationToken cancellationToken = default);

    /// <summary>Remembers the status of contacts the writer handed hits to (the last of a contact wins).</summary>
    Task UpsertContactsAsync(IReadOnlyList<(string Tenant, string Contact, EngagementSummary Summary)> contacts, CancellationToken cancellationToken = default);

    /// <summary>Contacts whose status changes by <paramref name="now"/> with no new hit; at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<(string Tenant, string Contact)>> DueForRescoreAsync(
        DateTimeOffset now, TimeSpan activeWindow, TimeSpan newWindow, TimeSpan dormantAfter, int max, CancellationToken cancellationToken = default);

    /// <summary>Creates the tables and the index the report queries read (idempotent).</summary>
    Task PrepareReportsAsync(CancellationToken cancellationToken = default);

    /// <summary>Opens, clicks, unsubscribes and human-engaged recipients of <paramref name="campaign"/> (all the tenant's
    /// campaigns when null: uniques are then per campaign and recipient, summed), restricted to the members in
    /// <paramref name="membersDatabase"/> (<see cref="ReportMembers"/>) when given.</summary>
    Task<HitReportCounts> ReportCountsAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default);

    /// <summary>Clicks per tracked link of one campaign, by link index, restricted to the members when given.</summary>
    Task<IReadOnlyList<ReportLink>> ReportLinksAsync(string tenant, string campaign, string? membersDatabase, CancellationToken cancellationToken = default);

    /// <summary>Opens, clicks and unsubscribes per UTC hour, in hour order (hours with none left out), restricted to the
    /// members when given.</summary>
    Task<IReadOnlyList<HitReportHour>> ReportHoursAsync(string tenant, string? campaign, string? membersDatabase, CancellationToken cancellationToken = default);
}

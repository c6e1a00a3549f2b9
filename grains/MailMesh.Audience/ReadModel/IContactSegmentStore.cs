using MailMesh.Audience.Segments;

namespace MailMesh.Audience.ReadModel;

/// <summary>Segment queries over the contacts read model: the typed-column map of a tenant's attributes, counts,
/// samples and member pages of compiled segments, and frozen (snapshot) memberships. Implemented by each read model
/// beside <see cref="IContactReadModel"/>.</summary>
public interface IContactSegmentStore
{
    /// <summary>The dialect compiled segments must be written in.</summary>
    SqlDialect Dialect { get; }

    /// <summary>Compiles a bound segment for this read model's tables.</summary>
    SegmentQuery Compile(SegmentPredicate predicate);

    /// <summary>Where each attribute the tenant's contacts have used is stored.</summary>
    Task<IReadOnlyDictionary<string, AttributeSlot>> GetSlotsAsync(string tenant, CancellationToken cancellationToken = default);

    /// <summary>How many of the tenant's contacts match.</summary>
    Task<long> CountMatchingAsync(string tenant, SegmentQuery query, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> matching addresses in address order after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<string>> ListMatchingAsync(string tenant, SegmentQuery query, string? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>Stores the addresses matching now as snapshot <paramref name="snapshot"/> of <paramref name="segment"/>, in
    /// one transaction; returns how many.</summary>
    Task<long> SnapshotAsync(string tenant, string segment, string snapshot, SegmentQuery query, CancellationToken cancellationToken = default);

    /// <summary>How many members snapshot <paramref name="snapshot"/> holds (contacts deleted since are gone).</summary>
    Task<long> CountSnapshotAsync(string tenant, string segment, string snapshot, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> members of the snapshot in address order after <paramref name="after"/>.</summary>
    Task<IReadOnlyList<string>> ListSnapshotAsync(string tenant, string segment, string snapshot, string? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>Deletes the segment's snapshots other than <paramref name="keep"/> (all of them when null).</summary>
    Task DeleteSnapshotsAsync(string tenant, string segment, string? keep, CancellationToken cancellationToken = default);
}

namespace MailMesh.Engagement.Bounces;

/// <summary>The bounce processing tables: the review list (never dropped: a bounce that cannot be classified or matched
/// stays here), the processed mailbox message keys, and the event-log cursors. The embedded silo keeps them in a SQLite
/// file (<see cref="BounceStore"/>); a cluster keeps them in its PostgreSQL schema, so one review list holds the bounces
/// of every silo. Failures are <see cref="IOException"/>s or the SQLite provider's errors.</summary>
public interface IBounceStore
{
    /// <summary>Adds a review item (once per source, source key and recipient); returns its id.</summary>
    Task<long> AddReviewAsync(BounceReviewItem item, CancellationToken cancellationToken = default);

    /// <summary>The tenant's review items, newest first, with id below <paramref name="beforeId"/> when given.</summary>
    Task<IReadOnlyList<BounceReviewItem>> ListReviewAsync(string tenant, int limit = 100, long? beforeId = null, CancellationToken cancellationToken = default);

    /// <summary>Whether the mailbox message <paramref name="key"/> was processed already.</summary>
    Task<bool> IsProcessedAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Remembers that <paramref name="key"/> (when given) was processed and moves the cursor forward to
    /// <paramref name="sequence"/> (never back), atomically.</summary>
    Task MarkProcessedAsync(string? key, string cursor, long sequence, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The event-log sequence the named reader has processed up to (0 when it never ran).</summary>
    Task<long> GetCursorAsync(string cursor, CancellationToken cancellationToken = default);
}

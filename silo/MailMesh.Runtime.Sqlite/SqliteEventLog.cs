using MailMesh.Runtime.Sqlite.Internal;
using MailMesh.Runtime.Storage;

namespace MailMesh.Runtime.Sqlite;

/// <summary>Reads the <c>event_log</c> table of a <see cref="SqliteStore"/>. Sequences are committed in order, so
/// a reader that saw sequence n never later finds a new event below n.</summary>
public sealed class SqliteEventLog : IEventLog
{
    private readonly SqliteStore _store;

    /// <summary>Creates the reader over <paramref name="store"/> (which it does not own).</summary>
    public SqliteEventLog(SqliteStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<EventRecord>> ReadAsync(long fromSequence, int maxCount, EventFilter? filter = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromSequence);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        filter = Normalize(filter);
        return _store.ExecuteReadAsync($"reading events from sequence {fromSequence}", (fromSequence, maxCount, filter), static (reader, args) =>
        {
            var (from, max, f) = args;
            var shape = (f.Tenant is null ? 0 : Sql.FilterTenant)
                        | (f.TypePrefix is null ? 0 : Sql.FilterType)
                        | (f.Subject is null ? 0 : Sql.FilterSubject);
            var statement = reader.SelectEvents(shape).Bind(0, from).Bind(1, max);
            var next = 2;
            if (f.Tenant is not null)
            {
                statement.Bind(next++, f.Tenant);
            }

            if (f.TypePrefix is not null)
            {
                statement.Bind(next++, f.TypePrefix).Bind(next++, f.TypePrefix + ".").Bind(next++, f.TypePrefix + "/");
            }

            if (f.Subject is not null)
            {
                statement.Bind(next, f.Subject);
            }

            var events = new List<EventRecord>(Math.Min(max, 256));
            using var rows = statement.Query();
            while (rows.Read())
            {
                var sequence = rows.GetInt64(0);
                events.Add(new EventRecord(
                    sequence,
                    Text.ParseId(rows.GetString(1), $"the event id of the event at sequence {sequence}"),
                    rows.GetString(2),
                    rows.GetString(3),
                    rows.GetString(4),
                    Text.ParseTime(rows.GetString(5), $"the time of the event at sequence {sequence}"),
                    rows.GetString(6)));
            }

            return (IReadOnlyList<EventRecord>)events;
        }, cancellationToken);
    }

    /// <summary>Null means "any"; an empty member is a mistake (it would match nothing), and a trailing '.' on the
    /// type prefix is dropped ("mailbox." means "mailbox").</summary>
    private static EventFilter Normalize(EventFilter? filter)
    {
        if (filter is null)
        {
            return new EventFilter();
        }

        foreach (var (value, name) in new[] { (filter.Tenant, nameof(filter.Tenant)), (filter.TypePrefix, nameof(filter.TypePrefix)), (filter.Subject, nameof(filter.Subject)) })
        {
            if (value is not null && value.TrimEnd('.').Length == 0)
            {
                throw new ArgumentException($"EventFilter.{name} is '{value}', which matches no event; use null to match every {name.ToLowerInvariant()}.", nameof(filter));
            }
        }

        return filter.TypePrefix is { } prefix && prefix.EndsWith('.') ? filter with { TypePrefix = prefix.TrimEnd('.') } : filter;
    }

    /// <inheritdoc />
    public Task<long> GetLastSequenceAsync(CancellationToken cancellationToken = default) =>
        _store.ReadLastSequenceAsync(cancellationToken);

    /// <inheritdoc />
    public Task WaitForEventsAsync(long afterSequence, CancellationToken cancellationToken = default) =>
        _store.WaitForEventsAsync(afterSequence, cancellationToken);
}

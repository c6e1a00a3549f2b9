using MailMesh.Runtime.PostgreSql.Internal;
using MailMesh.Runtime.Storage;
using Npgsql;

namespace MailMesh.Runtime.PostgreSql;

/// <summary>Reads the <c>event_log</c> table of a <see cref="PostgreSqlStore"/>. Sequences are given under a row lock
/// held until commit, so they are committed in order: a reader that saw sequence n never later finds a new event
/// below n, whichever silo wrote it.</summary>
public sealed class PostgreSqlEventLog : IEventLog
{
    private readonly PostgreSqlStore _store;

    /// <summary>Creates the reader over <paramref name="store"/> (which it does not own).</summary>
    public PostgreSqlEventLog(PostgreSqlStore store)
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
        return _store.ExecuteAsync($"reading events from sequence {fromSequence}", Repeat.Read, (Store: _store, fromSequence, maxCount, filter), static async (connection, args, ct) =>
        {
            var f = args.filter;
            var shape = (f.Tenant is null ? 0 : Sql.FilterTenant)
                        | (f.TypePrefix is null ? 0 : Sql.FilterType)
                        | (f.Subject is null ? 0 : Sql.FilterSubject);
            await using var command = new NpgsqlCommand(args.Store.Sql.SelectEvents(shape), connection);
            command.Parameters.Add(new NpgsqlParameter<long>("from", args.fromSequence));
            command.Parameters.Add(new NpgsqlParameter<int>("max", args.maxCount));
            if (f.Tenant is not null)
            {
                command.Parameters.Add(new NpgsqlParameter<string>("tenant", f.Tenant));
            }

            if (f.TypePrefix is not null)
            {
                command.Parameters.Add(new NpgsqlParameter<string>("type", f.TypePrefix));
                command.Parameters.Add(new NpgsqlParameter<string>("typePrefix", f.TypePrefix + "."));
            }

            if (f.Subject is not null)
            {
                command.Parameters.Add(new NpgsqlParameter<string>("subject", f.Subject));
            }

            return (IReadOnlyList<EventRecord>)await PostgreSqlStore.ReadListAsync(command, static r => new EventRecord(
                r.GetInt64(0),
                r.GetGuid(1),
                r.GetString(2),
                r.GetString(3),
                r.GetString(4),
                new StoredTime(r.GetDateTime(5), r.GetInt16(6), r.GetInt16(7)).ToDateTimeOffset(),
                r.GetString(8)), ct).ConfigureAwait(false);
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

            if (value is not null && value.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException($"EventFilter.{name} contains a NUL character, which no stored value has.", nameof(filter));
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

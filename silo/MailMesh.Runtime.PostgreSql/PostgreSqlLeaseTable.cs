using MailMesh.Runtime.Cluster;
using Npgsql;
using NpgsqlTypes;

namespace MailMesh.Runtime.PostgreSql;

/// <summary>Leases in the <c>leases</c> table of a <see cref="PostgreSqlStore"/>'s schema (created on first use). Taking,
/// renewing and releasing are one statement each, and expiry is judged by the database's clock
/// (<c>clock_timestamp()</c>), so silos with skewed clocks still agree on who holds a lease.</summary>
public sealed class PostgreSqlLeaseTable : ILeaseTable
{
    private const int MaxNameLength = 200;
    private readonly PostgreSqlStore _store;
    private readonly string _create;
    private readonly string _acquire;
    private readonly string _release;
    private readonly string _holder;
    private volatile bool _created;

    /// <summary>Creates the table over <paramref name="store"/> (which it does not own).</summary>
    public PostgreSqlLeaseTable(PostgreSqlStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        var table = "\"" + store.Schema + "\".leases";
        _create = $"""
                   CREATE TABLE IF NOT EXISTS {table} (
                     name text PRIMARY KEY, holder text NOT NULL, expires_at timestamptz NOT NULL, acquired_at timestamptz NOT NULL)
                   """;
        _acquire = $"""
                    INSERT INTO {table} AS l (name, holder, expires_at, acquired_at)
                    VALUES (@name, @holder, clock_timestamp() + @duration, clock_timestamp())
                    ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
                      acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE EXCLUDED.acquired_at END
                    WHERE l.holder = EXCLUDED.holder OR l.expires_at <= clock_timestamp()
                    RETURNING 1
                    """;
        _release = $"DELETE FROM {table} WHERE name = @name AND holder = @holder";
        _holder = $"SELECT holder FROM {table} WHERE name = @name AND expires_at > clock_timestamp()";
    }

    /// <inheritdoc />
    public async Task<bool> TryAcquireAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        Check(name, "lease name", nameof(name));
        Check(holder, "lease holder", nameof(holder));
        if (duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, $"The duration of lease '{name}' must be positive, e.g. 00:00:15.");
        }

        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        return await _store.ExecuteAsync($"taking lease '{name}' for '{holder}'", Repeat.FencedWrite, (Sql: _acquire, name, holder, duration), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("name", args.name));
            command.Parameters.Add(new NpgsqlParameter<string>("holder", args.holder));
            command.Parameters.Add(new NpgsqlParameter<TimeSpan>("duration", NpgsqlDbType.Interval) { TypedValue = args.duration });
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(string name, string holder, CancellationToken cancellationToken = default)
    {
        Check(name, "lease name", nameof(name));
        Check(holder, "lease holder", nameof(holder));
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        await _store.ExecuteAsync($"releasing lease '{name}' of '{holder}'", Repeat.FencedWrite, (Sql: _release, name, holder), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("name", args.name));
            command.Parameters.Add(new NpgsqlParameter<string>("holder", args.holder));
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<string?> GetHolderAsync(string name, CancellationToken cancellationToken = default)
    {
        Check(name, "lease name", nameof(name));
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        return await _store.ExecuteAsync($"reading lease '{name}'", Repeat.Read, (Sql: _holder, name), static async (connection, args, ct) =>
        {
            await using var command = new NpgsqlCommand(args.Sql, connection);
            command.Parameters.Add(new NpgsqlParameter<string>("name", args.name));
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (_created)
        {
            return;
        }

        await _store.ExecuteAsync("creating the leases table", Repeat.FencedWrite, _create, static async (connection, sql, ct) =>
        {
            try
            {
                await using var command = new NpgsqlCommand(sql, connection);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
            {
                // Two silos created the table at the same moment: CREATE TABLE IF NOT EXISTS is not atomic in the catalog.
                return 0;
            }
        }, cancellationToken).ConfigureAwait(false);
        _created = true;
    }

    private static void Check(string value, string what, string parameter)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxNameLength || value.Any(char.IsControl))
        {
            throw new ArgumentException($"The {what} '{value}' must be 1-{MaxNameLength} characters without control characters.", parameter);
        }
    }
}

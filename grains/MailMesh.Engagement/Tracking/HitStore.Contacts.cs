using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Tracking;

public sealed partial class HitStore
{
    /// <summary>Remembers the status of contacts the writer handed hits to, so the dormancy pass finds the ones whose status
    /// will change with time alone.</summary>
    public async Task UpsertContactsAsync(IReadOnlyList<(string Tenant, string Contact, EngagementSummary Summary)> contacts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        if (contacts.Count == 0)
        {
            return;
        }

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await UpsertContactRowsAsync(connection, transaction, contacts, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task UpsertContactRowsAsync(
        Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction,
        IReadOnlyList<(string Tenant, string Contact, EngagementSummary Summary)> contacts, CancellationToken cancellationToken)
    {
        if (contacts.Count == 0)
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO engagement_contacts (tenant, contact, status, last_activity, first_seen) VALUES ($t, $c, $s, $l, $f)
            ON CONFLICT (tenant, contact) DO UPDATE SET status = excluded.status, last_activity = excluded.last_activity, first_seen = excluded.first_seen
            """;
        var t = command.Parameters.Add("$t", Microsoft.Data.Sqlite.SqliteType.Text);
        var c = command.Parameters.Add("$c", Microsoft.Data.Sqlite.SqliteType.Text);
        var s = command.Parameters.Add("$s", Microsoft.Data.Sqlite.SqliteType.Text);
        var l = command.Parameters.Add("$l", Microsoft.Data.Sqlite.SqliteType.Integer);
        var f = command.Parameters.Add("$f", Microsoft.Data.Sqlite.SqliteType.Integer);
        foreach (var (tenant, contact, summary) in contacts)
        {
            t.Value = tenant;
            c.Value = contact;
            s.Value = summary.Status;
            var last = (summary.LastOpenAt, summary.LastClickAt) switch
            {
                (null, null) => (DateTimeOffset?)null,
                ({ } o, null) => o,
                (null, { } k) => k,
                ({ } o, { } k) => o > k ? o : k,
            };
            l.Value = last is { } v ? v.ToUnixTimeSeconds() : DBNull.Value;
            f.Value = summary.FirstSeenAt.ToUnixTimeSeconds();
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Contacts whose status changes by <paramref name="now"/> with no new hit: active past the active window, new
    /// past the new window, or not yet dormant past the dormancy period; at most <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<(string Tenant, string Contact)>> DueForRescoreAsync(
        DateTimeOffset now, TimeSpan activeWindow, TimeSpan newWindow, TimeSpan dormantAfter, int max, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT tenant, contact FROM engagement_contacts
            WHERE (status = 'active' AND last_activity < $active)
               OR (status = 'new' AND first_seen < $new)
               OR (status <> 'dormant' AND coalesce(last_activity, first_seen) <= $dormant)
            LIMIT $max
            """;
        command.Parameters.AddWithValue("$active", (now - activeWindow).ToUnixTimeSeconds());
        command.Parameters.AddWithValue("$new", (now - newWindow).ToUnixTimeSeconds());
        command.Parameters.AddWithValue("$dormant", (now - dormantAfter).ToUnixTimeSeconds());
        command.Parameters.AddWithValue("$max", max);
        var due = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            due.Add((reader.GetString(0), reader.GetString(1)));
        }

        return due;
    }
}

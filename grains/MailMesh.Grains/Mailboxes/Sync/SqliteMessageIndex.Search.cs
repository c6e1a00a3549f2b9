using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>Search and mailbox deletion. Every value is a parameter; only the number of flag terms shapes the SQL.</summary>
public sealed partial class SqliteMessageIndex
{
    // Dates are stored as round-trip text with their own offsets, so ordering and ranges use Unix seconds.
    private const string Ts = "COALESCE(CAST(strftime('%s', date) AS INTEGER), 0)";

    /// <inheritdoc />
    public async Task<IndexSearchPage> SearchAsync(string mailbox, IndexSearch search, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailbox);
        ArgumentNullException.ThrowIfNull(search);
        ArgumentOutOfRangeException.ThrowIfLessThan(search.Limit, 1, nameof(search.Limit));
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var sql = new StringBuilder($"SELECT * FROM (SELECT {Columns}, {Ts} AS ts FROM messages WHERE mailbox = $m) WHERE 1 = 1");
        command.Parameters.AddWithValue("$m", mailbox);
        Add(command, sql, "folder_id = $fid", "$fid", search.FolderId);
        Add(command, sql, "uid = $uid", "$uid", search.Uid is { } uid ? (long)uid : null);
        Add(command, sql, "instr(lower(COALESCE(from_addr, '')), lower($from)) > 0", "$from", search.From);
        Add(command, sql, "instr(lower(COALESCE(subject, '')), lower($subject)) > 0", "$subject", search.Subject);
        Add(command, sql, "ts >= $since", "$since", search.Since?.ToUnixTimeSeconds());
        Add(command, sql, "ts < $before", "$before", search.Before?.ToUnixTimeSeconds());
        Add(command, sql, "instr(' ' || lower(tags) || ' ', ' ' || lower($tag) || ' ') > 0", "$tag", search.Tag is null ? null : TagText.Normalize(search.Tag) ?? "");
        Add(command, sql, "priority = $priority", "$priority", search.Priority);
        AddFlags(command, sql, search.WithFlags, "$with", "> 0");
        AddFlags(command, sql, search.WithoutFlags, "$without", "= 0");
        if (search.After is { } after)
        {
            sql.Append(" AND (ts < $ats OR (ts = $ats AND (folder_id > $afid OR (folder_id = $afid AND (uidvalidity < $auv OR (uidvalidity = $auv AND uid < $auid))))))");
            command.Parameters.AddWithValue("$ats", after.DateSeconds);
            command.Parameters.AddWithValue("$afid", after.FolderId);
            command.Parameters.AddWithValue("$auv", (long)after.UidValidity);
            command.Parameters.AddWithValue("$auid", (long)after.Uid);
        }

        sql.Append(" ORDER BY ts DESC, folder_id ASC, uidvalidity DESC, uid DESC LIMIT $limit");
        command.Parameters.AddWithValue("$limit", (long)search.Limit + 1);
        command.CommandText = sql.ToString();
        var rows = new List<IndexedMessage>();
        var keys = new List<long>();
        await using var r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(ReadRow(r));
            keys.Add(r.GetInt64(19));
        }

        if (rows.Count <= search.Limit)
        {
            return new IndexSearchPage(rows, null);
        }

        rows.RemoveAt(rows.Count - 1);
        var last = rows[^1];
        return new IndexSearchPage(rows, new IndexSearchKey(keys[rows.Count - 1], last.FolderId, last.UidValidity, last.Uid));
    }

    /// <inheritdoc />
    public async Task<int> DeleteMailboxAsync(string mailbox, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailbox);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM messages WHERE mailbox = $m";
        command.Parameters.AddWithValue("$m", mailbox);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void Add(SqliteCommand command, StringBuilder sql, string condition, string name, object? value)
    {
        if (value is null)
        {
            return;
        }

        sql.Append(" AND ").Append(condition);
        command.Parameters.AddWithValue(name, value);
    }

    private static void AddFlags(SqliteCommand command, StringBuilder sql, IReadOnlyList<string>? flags, string prefix, string test)
    {
        for (var i = 0; i < (flags?.Count ?? 0); i++)
        {
            var name = prefix + i.ToString(CultureInfo.InvariantCulture);
            sql.Append(" AND instr(' ' || lower(flags) || ' ', ' ' || lower(").Append(name).Append(") || ' ') ").Append(test);
            command.Parameters.AddWithValue(name, flags![i]);
        }
    }

    private static IndexedMessage ReadRow(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), (uint)r.GetInt64(3), (uint)r.GetInt64(4), r.GetString(5),
        Text(r, 6), Text(r, 7), Text(r, 8),
        r.IsDBNull(9) ? null : DateTimeOffset.Parse(r.GetString(9), CultureInfo.InvariantCulture),
        r.GetInt64(10), Text(r, 11), Text(r, 12), Text(r, 13), r.GetString(14), unchecked((ulong)r.GetInt64(15)), Text(r, 16),
        r.GetString(17), Text(r, 18));
}

using System.Text;
using Microsoft.Data.Sqlite;

namespace MailMesh.Audience.ReadModel;

public sealed partial class SqliteContactReadModel
{
    /// <summary>The schema version this code writes (<c>PRAGMA user_version</c>): 1 had one side-table row per attribute
    /// value, 2 has typed columns in <c>contact_search</c> (docs/adr/audience-03-segments.md).</summary>
    internal const int SchemaVersion = 2;

    private const string ContactTables = """
        CREATE TABLE IF NOT EXISTS contacts (
            id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, address TEXT NOT NULL, version INTEGER NOT NULL, domain TEXT NOT NULL,
            role_address INTEGER NOT NULL, suppressed INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
            last_open_at INTEGER, last_click_at INTEGER, opens INTEGER NOT NULL, clicks INTEGER NOT NULL, score REAL NOT NULL, status TEXT,
            attributes TEXT NOT NULL, UNIQUE (tenant, address));
        CREATE TABLE IF NOT EXISTS contact_lists (
            contact_id INTEGER NOT NULL, tenant TEXT NOT NULL, list TEXT NOT NULL, PRIMARY KEY (contact_id, list)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS contact_lists_by_list ON contact_lists (tenant, list, contact_id);
        CREATE TABLE IF NOT EXISTS contact_suppressions (
            contact_id INTEGER NOT NULL, tenant TEXT NOT NULL, scope TEXT NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL,
            PRIMARY KEY (contact_id, scope, reason)) WITHOUT ROWID;
        """;

    /// <summary>Version 2: the segment tables. <c>contact_search</c> has one narrow row per contact (same id) that a
    /// segment count scans once: the contact fields, lists and suppressions packed as U+0001-wrapped items, and the
    /// tenant's attributes in typed columns mapped by <c>contact_slots</c>.</summary>
    private static string SegmentTables()
    {
        var columns = new StringBuilder();
        for (var i = 0; i < SlotColumns.NumberCount; i++)
        {
            columns.Append(", n").Append(i).Append(" REAL");
        }

        for (var i = 0; i < SlotColumns.TextCount; i++)
        {
            columns.Append(", t").Append(i).Append(" TEXT");
        }

        return $"""
            CREATE TABLE IF NOT EXISTS contact_slots (
                tenant TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, slot INTEGER, PRIMARY KEY (tenant, name)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS contact_search (
                id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, suppressed INTEGER NOT NULL, role_address INTEGER NOT NULL,
                created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_open_at INTEGER, last_click_at INTEGER,
                opens INTEGER NOT NULL, clicks INTEGER NOT NULL, score REAL NOT NULL, status TEXT, domain TEXT NOT NULL, lists TEXT, sup TEXT{columns});
            CREATE TABLE IF NOT EXISTS contact_overflow (
                contact_id INTEGER NOT NULL, tenant TEXT NOT NULL, name TEXT NOT NULL, str TEXT, num REAL, PRIMARY KEY (contact_id, name)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS segment_members (
                tenant TEXT NOT NULL, segment TEXT NOT NULL, snapshot TEXT NOT NULL, address TEXT NOT NULL,
                PRIMARY KEY (tenant, segment, snapshot, address)) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS segment_members_by_address ON segment_members (tenant, address);
            """;
    }

    /// <summary>From version 1: attributes move from <c>contact_attributes</c> (one row per value or list item; dates in
    /// Unix seconds) to typed columns (dates in milliseconds), slots given per tenant in name order; attributes beyond
    /// the columns go to <c>contact_overflow</c>. Every contact keeps its row.</summary>
    private static string MigrateFromVersion1()
    {
        var sql = new StringBuilder($"""
            INSERT INTO contact_slots (tenant, name, kind, slot)
            SELECT tenant, name, kind, CASE WHEN rn < (CASE kind WHEN 't' THEN {SlotColumns.TextCount} ELSE {SlotColumns.NumberCount} END) THEN rn END
            FROM (SELECT tenant, name, kind, row_number() OVER (PARTITION BY tenant, kind ORDER BY name) - 1 AS rn
                  FROM (SELECT tenant, name, CASE WHEN max(str IS NOT NULL) = 1 THEN 't' ELSE 'n' END AS kind FROM contact_attributes GROUP BY tenant, name));
            CREATE TEMP TABLE migrated AS
            SELECT a.contact_id AS contact_id, a.tenant AS tenant, a.name AS name, s.kind AS kind, s.slot AS slot,
                CASE WHEN s.kind = 't' THEN char(1) || group_concat(a.str, char(1)) || char(1) END AS str,
                CASE WHEN s.kind = 'n' THEN max(a.num) * (CASE WHEN json_extract(c.attributes, '$.' || a.name) LIKE '____-__-__T%' THEN 1000 ELSE 1 END) END AS num
            FROM contact_attributes a JOIN contact_slots s ON s.tenant = a.tenant AND s.name = a.name JOIN contacts c ON c.id = a.contact_id
            GROUP BY a.contact_id, a.name;
            CREATE INDEX temp.migrated_by_slot ON migrated (contact_id, kind, slot);
            INSERT INTO contact_search (id, tenant, suppressed, role_address, created_at, updated_at, last_open_at, last_click_at, opens, clicks, score, status, domain, lists, sup)
            SELECT c.id, c.tenant, c.suppressed, c.role_address, c.created_at, c.updated_at, c.last_open_at, c.last_click_at, c.opens, c.clicks, c.score, c.status, c.domain,
                (SELECT char(1) || group_concat(l.list, char(1)) || char(1) FROM contact_lists l WHERE l.contact_id = c.id),
                (SELECT char(1) || group_concat(s.scope || ':' || s.reason, char(1)) || char(1) FROM contact_suppressions s WHERE s.contact_id = c.id)
            FROM contacts c;
            UPDATE contact_search SET 
            """);
        var sets = new List<string>();
        for (var i = 0; i < SlotColumns.NumberCount; i++)
        {
            sets.Add($"n{i} = (SELECT num FROM migrated m WHERE m.contact_id = contact_search.id AND m.kind = 'n' AND m.slot = {i})");
        }

        for (var i = 0; i < SlotColumns.TextCount; i++)
        {
            sets.Add($"t{i} = (SELECT str FROM migrated m WHERE m.contact_id = contact_search.id AND m.kind = 't' AND m.slot = {i})");
        }

        sql.Append(string.Join(",\n    ", sets)).Append(';').Append('\n').Append("""
            INSERT INTO contact_overflow (contact_id, tenant, name, str, num) SELECT contact_id, tenant, name, str, num FROM migrated WHERE slot IS NULL;
            DROP TABLE migrated;
            DROP TABLE contact_attributes;
            """);
        return sql.ToString();
    }

    private async Task MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL";
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // BEGIN IMMEDIATE: two processes opening one file do not both migrate it.
        await using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA user_version";
        var version = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        if (version >= SchemaVersion)
        {
            return;
        }

        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'contact_attributes'";
        var fromVersion1 = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! > 0;
        command.CommandText = ContactTables + SegmentTables() + (fromVersion1 ? MigrateFromVersion1() : "") + $"PRAGMA user_version = {SchemaVersion};";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }
}

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>One step of the schema, applied once, in order, inside the start-up transaction.</summary>
internal sealed record Migration(int Version, string Description, string Sql);

/// <summary>The ordered schema history. Append new steps at the end; never edit a released one.</summary>
internal static class Schema
{
    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "grain state, event log and reminders", """
            CREATE TABLE grain_state (
                state_name TEXT NOT NULL,
                grain_type TEXT NOT NULL,
                grain_key  TEXT NOT NULL,
                etag       TEXT NOT NULL,
                payload    BLOB NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (state_name, grain_type, grain_key)
            ) WITHOUT ROWID;

            CREATE TABLE event_log (
                sequence INTEGER PRIMARY KEY,
                event_id TEXT NOT NULL UNIQUE,
                tenant   TEXT NOT NULL,
                type     TEXT NOT NULL,
                subject  TEXT NOT NULL,
                time     TEXT NOT NULL,
                payload  TEXT NOT NULL
            );
            CREATE INDEX ix_event_log_tenant_sequence ON event_log (tenant, sequence);
            CREATE INDEX ix_event_log_type_sequence ON event_log (type, sequence);
            CREATE INDEX ix_event_log_subject_sequence ON event_log (subject, sequence);

            CREATE TABLE reminders (
                grain_type TEXT NOT NULL,
                grain_key  TEXT NOT NULL,
                name       TEXT NOT NULL,
                first_due  TEXT NOT NULL,
                period     INTEGER NOT NULL,
                etag       TEXT NOT NULL,
                PRIMARY KEY (grain_type, grain_key, name)
            ) WITHOUT ROWID;
            """),
        new(2, "event log: subject index within a tenant", """
            DROP INDEX IF EXISTS ix_event_log_subject_sequence;
            CREATE INDEX ix_event_log_tenant_subject_sequence ON event_log (tenant, subject, sequence);
            """),
        // A WITHOUT ROWID table keeps whole rows in its key-ordered B-tree, and a row over about a quarter of a page (a
        // contact's state is 1.3 KB) spills to an overflow page of its own: 2.5 pages per small state, and writes of new
        // grains, whose keys come in no order, landing on random leaves. A rowid table keeps rows up to a page inline,
        // appends new grains at the end, and only the narrow key index takes random inserts
        // (docs/adr/audience-06-import-write-amplification.md). The rows are copied once.
        new(3, "grain state: rowid table with a unique key index", """
            CREATE TABLE grain_state_v3 (
                state_name TEXT NOT NULL,
                grain_type TEXT NOT NULL,
                grain_key  TEXT NOT NULL,
                etag       TEXT NOT NULL,
                payload    BLOB NOT NULL,
                updated_at TEXT NOT NULL
            );
            INSERT INTO grain_state_v3 (state_name, grain_type, grain_key, etag, payload, updated_at)
            SELECT state_name, grain_type, grain_key, etag, payload, updated_at FROM grain_state;
            DROP TABLE grain_state;
            ALTER TABLE grain_state_v3 RENAME TO grain_state;
            CREATE UNIQUE INDEX ux_grain_state_key ON grain_state (state_name, grain_type, grain_key);
            """),
        // Every entry of an index of a rowid table ends with the rowid, and sequence is the rowid: an index on (tenant)
        // is ordered by (tenant, sequence) already, and answers "tenant = ? AND sequence >= ? ORDER BY sequence" as the
        // old one did. The old entries held the sequence twice, and each of an event's three index inserts compared it
        // twice on its way down (docs/adr/storage-03-event-log-index-entries.md). The names stay; the order is the same.
        new(4, "event log: index entries without the sequence twice", """
            DROP INDEX ix_event_log_tenant_sequence;
            DROP INDEX ix_event_log_type_sequence;
            DROP INDEX ix_event_log_tenant_subject_sequence;
            CREATE INDEX ix_event_log_tenant_sequence ON event_log (tenant);
            CREATE INDEX ix_event_log_type_sequence ON event_log (type);
            CREATE INDEX ix_event_log_tenant_subject_sequence ON event_log (tenant, subject);
            """),
    ];

    /// <summary>The newest schema version this code knows.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    public const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS schema_version (
            version     INTEGER PRIMARY KEY,
            description TEXT NOT NULL,
            applied_at  TEXT NOT NULL
        );
        """;

    public const string SelectVersion = "SELECT COALESCE(MAX(version), 0) FROM schema_version;";

    public const string InsertVersion = "INSERT INTO schema_version (version, description, applied_at) VALUES ($version, $description, $appliedAt);";
}

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

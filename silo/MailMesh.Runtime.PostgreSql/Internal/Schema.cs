namespace MailMesh.Runtime.PostgreSql.Internal;

/// <summary>One step of the schema, applied once, in order, inside the start-up transaction. <c>{s}</c> stands for
/// the quoted schema name.</summary>
internal sealed record Migration(int Version, string Description, string Sql);

/// <summary>The ordered schema history. Append new steps at the end; never edit a released one.</summary>
internal static class Schema
{
    public static readonly IReadOnlyList<Migration> Migrations =
    [
        new(1, "grain state, event log, reminders and membership", """
            CREATE TABLE {s}.grain_state (
                grain_type text NOT NULL,
                grain_key  text NOT NULL,
                state_name text NOT NULL,
                etag       text NOT NULL,
                payload    bytea NOT NULL,
                updated_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (grain_type, grain_key, state_name)
            );

            -- The one counter every event-appending transaction takes (row lock held until commit): sequences are
            -- given in commit order and a rolled-back transaction leaves no gap.
            CREATE TABLE {s}.event_sequence (
                id   smallint PRIMARY KEY CHECK (id = 1),
                last bigint NOT NULL CHECK (last >= 0)
            );
            INSERT INTO {s}.event_sequence (id, last) VALUES (1, 0);

            -- time is to the microsecond; time_ticks (0-9, 100 ns) and time_offset (minutes) give back the exact
            -- DateTimeOffset the writer had.
            CREATE TABLE {s}.event_log (
                sequence    bigint PRIMARY KEY,
                event_id    uuid NOT NULL UNIQUE,
                tenant      text NOT NULL,
                type        text NOT NULL,
                subject     text NOT NULL,
                time        timestamptz NOT NULL,
                time_ticks  smallint NOT NULL CHECK (time_ticks BETWEEN 0 AND 9),
                time_offset smallint NOT NULL CHECK (time_offset BETWEEN -1080 AND 1080),
                payload     json NOT NULL
            );
            CREATE INDEX ix_event_log_tenant_sequence ON {s}.event_log (tenant, sequence);
            CREATE INDEX ix_event_log_type_sequence ON {s}.event_log (type, sequence);
            CREATE INDEX ix_event_log_tenant_subject_sequence ON {s}.event_log (tenant, subject, sequence);

            CREATE TABLE {s}.reminders (
                grain_type       text NOT NULL,
                grain_key        text NOT NULL,
                name             text NOT NULL,
                first_due        timestamptz NOT NULL,
                first_due_ticks  smallint NOT NULL CHECK (first_due_ticks BETWEEN 0 AND 9),
                first_due_offset smallint NOT NULL CHECK (first_due_offset BETWEEN -1080 AND 1080),
                period_ticks     bigint NOT NULL CHECK (period_ticks >= 10000000),
                etag             text NOT NULL,
                PRIMARY KEY (grain_type, grain_key, name)
            );

            CREATE TABLE {s}.membership (
                silo_id        text PRIMARY KEY,
                address        text NOT NULL,
                started_at     timestamptz NOT NULL,
                status         text NOT NULL CHECK (status IN ('active', 'shutting_down', 'left', 'dead')),
                last_heartbeat timestamptz NOT NULL,
                version        bigint NOT NULL
            );
            CREATE TABLE {s}.membership_version (
                id      smallint PRIMARY KEY CHECK (id = 1),
                version bigint NOT NULL
            );
            INSERT INTO {s}.membership_version (id, version) VALUES (1, 0);
            """),
        new(2, "delivered message ids recorded with grain state writes (de-duplication of redeliveries)", """
            CREATE TABLE {s}.grain_messages (
                grain_type  text NOT NULL,
                grain_key   text NOT NULL,
                message_id  text NOT NULL,
                recorded_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (grain_type, grain_key, message_id)
            );
            CREATE INDEX ix_grain_messages_recorded_at ON {s}.grain_messages (recorded_at);
            """),
    ];

    /// <summary>The newest schema version this code knows.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    public const string CreateVersionTable = """
        CREATE SCHEMA IF NOT EXISTS {s};
        CREATE TABLE IF NOT EXISTS {s}.schema_version (
            version     integer PRIMARY KEY,
            description text NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        );
        """;

    public const string SelectVersion = "SELECT COALESCE(MAX(version), 0) FROM {s}.schema_version;";

    public const string InsertVersion = "INSERT INTO {s}.schema_version (version, description) VALUES (@version, @description);";

    public const string CreateComponentVersionTable = """
        CREATE SCHEMA IF NOT EXISTS {s};
        CREATE TABLE IF NOT EXISTS {s}.component_version (
            component  text PRIMARY KEY,
            version    integer NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        );
        """;

    public const string SelectComponentVersion = "SELECT COALESCE((SELECT version FROM {s}.component_version WHERE component = @component), 0);";

    public const string UpsertComponentVersion = """
        INSERT INTO {s}.component_version (component, version) VALUES (@component, @version)
        ON CONFLICT (component) DO UPDATE SET version = excluded.version, applied_at = now();
        """;

    /// <summary>Replaces <c>{s}</c> with the quoted schema name.</summary>
    public static string For(string sql, string schema) => sql.Replace("{s}", "\"" + schema + "\"", StringComparison.Ordinal);
}

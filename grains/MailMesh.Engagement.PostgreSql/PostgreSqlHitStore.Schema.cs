using MailMesh.Runtime.PostgreSql;

namespace MailMesh.Engagement.PostgreSql;

public sealed partial class PostgreSqlHitStore
{
    /// <summary>The component name of the hit store's tables (<see cref="PostgreSqlStore.MigrateComponentAsync"/>).</summary>
    public const string Component = "engagement_hits";

    /// <summary>The steps of the hit store's tables, applied once under the store's advisory lock so that silos starting
    /// together do not race. The columns are those of the SQLite store (times in Unix milliseconds, issue times in
    /// seconds); contacts collate "C" as SQLite's BINARY, so a members join and distinct counts agree with it.</summary>
    private static readonly PostgreSqlSchemaStep[] Steps =
    [
        new(1, "tracking hits, open hand-overs and contact statuses", """
            CREATE TABLE {s}.tracking_hits (
                id uuid NOT NULL PRIMARY KEY, tenant text NOT NULL, campaign text NOT NULL, contact text COLLATE "C" NOT NULL,
                kind smallint NOT NULL, link_index integer NOT NULL, target text, at bigint NOT NULL, issued_at bigint NOT NULL,
                ip text, user_agent text, machine boolean NOT NULL, reason text, state smallint NOT NULL DEFAULT 0);
            CREATE INDEX tracking_hits_pending ON {s}.tracking_hits (at) WHERE state = 0;
            CREATE INDEX tracking_hits_report ON {s}.tracking_hits (tenant, campaign, kind, link_index, contact, machine, at);
            CREATE TABLE {s}.tracking_handovers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at bigint NOT NULL, hit_ids uuid[] NOT NULL);
            CREATE TABLE {s}.engagement_contacts (
                tenant text NOT NULL, contact text COLLATE "C" NOT NULL, status text NOT NULL, last_activity bigint, first_seen bigint NOT NULL,
                PRIMARY KEY (tenant, contact));
            """),
    ];
}

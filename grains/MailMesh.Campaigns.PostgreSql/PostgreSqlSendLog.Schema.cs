using MailMesh.Runtime.PostgreSql;

namespace MailMesh.Campaigns.PostgreSql;

public sealed partial class PostgreSqlSendLog
{
    /// <summary>The component name of the send log's tables (<see cref="PostgreSqlStore.MigrateComponentAsync"/>).</summary>
    public const string Component = "campaign_send_log";

    /// <summary>The steps of the send log's tables, applied once under the store's advisory lock so that silos starting
    /// together do not race. Contacts collate "C" (code-point order, as SQLite's BINARY) so paging by contact agrees
    /// with the SQLite log; times are Unix milliseconds.</summary>
    private static readonly PostgreSqlSchemaStep[] Steps =
    [
        new(1, "campaign send records and sending domains", """
            CREATE TABLE {s}.send_records (
                tenant text NOT NULL, campaign text NOT NULL, contact text COLLATE "C" NOT NULL, send_id bytea NOT NULL, shard integer NOT NULL,
                status smallint NOT NULL, attempts integer NOT NULL, message_id text, last_code integer NOT NULL, last_reply text,
                queued_at bigint NOT NULL, updated_at bigint NOT NULL, not_before bigint NOT NULL, first_deferred_at bigint,
                PRIMARY KEY (tenant, campaign, contact));
            CREATE INDEX send_records_send_id ON {s}.send_records (send_id);
            CREATE INDEX send_records_due ON {s}.send_records (tenant, campaign, shard, status, not_before, contact);
            CREATE INDEX send_records_status ON {s}.send_records (tenant, campaign, status);
            CREATE TABLE {s}.sending_domains (tenant text NOT NULL, domain text NOT NULL, first_used_at bigint NOT NULL, PRIMARY KEY (tenant, domain));
            """),
    ];
}

using MailMesh.Campaigns.SendLog.Internal;

namespace MailMesh.Campaigns.SendLog;

public sealed partial class SqliteSendLog
{
    // Each entry upgrades the schema from version (index) to version (index + 1); never edit a shipped entry.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE send_records (
            tenant TEXT NOT NULL,
            campaign TEXT NOT NULL,
            contact TEXT NOT NULL,
            send_id BLOB NOT NULL,
            shard INTEGER NOT NULL,
            status INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            message_id TEXT NULL,
            last_code INTEGER NOT NULL,
            last_reply TEXT NULL,
            queued_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            not_before INTEGER NOT NULL,
            PRIMARY KEY (tenant, campaign, contact)
        ) WITHOUT ROWID;
        CREATE INDEX send_records_send_id ON send_records (send_id);
        CREATE INDEX send_records_due ON send_records (tenant, campaign, shard, status, not_before);
        CREATE INDEX send_records_status ON send_records (tenant, campaign, status);
        CREATE TABLE sending_domains (
            tenant TEXT NOT NULL,
            domain TEXT NOT NULL,
            first_used_at INTEGER NOT NULL,
            PRIMARY KEY (tenant, domain)
        ) WITHOUT ROWID;
        """,
        "ALTER TABLE send_records ADD COLUMN first_deferred_at INTEGER NULL;",
        // Every claim and every outcome moved the row's entry in this index too; the due index, which starts with the
        // same two columns and holds the status, answers the counts alone (docs/adr/campaigns-06-grain-path-cpu.md).
        "DROP INDEX IF EXISTS send_records_status;",
        // Only records still to send are in the due index: a claim takes its record out and an outcome other than a
        // deferral leaves the index alone, where both used to move an entry (docs/adr/campaigns-08-keyed-send-log-writes.md).
        // Queries name "status IN (0, 3)" for SQLite to use it.
        """
        DROP INDEX send_records_due;
        CREATE INDEX send_records_due ON send_records (tenant, campaign, shard, status, not_before) WHERE status IN (0, 3);
        """,
        // A rowid table with a unique index on the key, where the key used to be the table (docs/adr/campaigns-15-rowid-send-records.md):
        // planning appends rows in plan order, the id index's entries shrink from the id and the three key strings to the id
        // and a rowid (fewer leaves for planning's random inserts), a claim or an outcome rewrites its row in place instead
        // of deleting and inserting a record of the key-ordered B-tree, and the due index leads to rows by rowid. The key
        // index is written once, at planning. The rows are copied once, in key order.
        """
        CREATE TABLE send_records_v5 (
            tenant TEXT NOT NULL,
            campaign TEXT NOT NULL,
            contact TEXT NOT NULL,
            send_id BLOB NOT NULL,
            shard INTEGER NOT NULL,
            status INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            message_id TEXT NULL,
            last_code INTEGER NOT NULL,
            last_reply TEXT NULL,
            queued_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            not_before INTEGER NOT NULL,
            first_deferred_at INTEGER NULL
        );
        INSERT INTO send_records_v5 (tenant, campaign, contact, send_id, shard, status, attempts, message_id, last_code, last_reply, queued_at, updated_at, not_before, first_deferred_at)
        SELECT tenant, campaign, contact, send_id, shard, status, attempts, message_id, last_code, last_reply, queued_at, updated_at, not_before, first_deferred_at
        FROM send_records ORDER BY tenant, campaign, contact;
        DROP TABLE send_records;
        ALTER TABLE send_records_v5 RENAME TO send_records;
        CREATE UNIQUE INDEX send_records_key ON send_records (tenant, campaign, contact);
        CREATE INDEX send_records_send_id ON send_records (send_id);
        CREATE INDEX send_records_due ON send_records (tenant, campaign, shard, status, not_before) WHERE status IN (0, 3);
        """,
    ];

    /// <summary>Applies the next schema step inside the caller's transaction; true when there was none left.</summary>
    private static bool MigrateOneStep(SendLogConnection connection)
    {
        var version = (long)connection.Statement("PRAGMA user_version").Scalar()!;
        if (version > Migrations.Length)
        {
            throw new InvalidOperationException(
                $"the send log schema is version {version}, newer than this build knows ({Migrations.Length}); run a newer MailMesh or restore the file.");
        }

        if (version == Migrations.Length)
        {
            return true;
        }

        connection.Execute(Migrations[version] + $"\nPRAGMA user_version = {version + 1};");
        return false;
    }
}

using System.Text;
using MailMesh.Audience.ReadModel;
using MailMesh.Runtime.PostgreSql;

namespace MailMesh.Audience.PostgreSql;

public sealed partial class PostgreSqlContactReadModel
{
    /// <summary>The component name of the read model's tables (<see cref="PostgreSqlStore.MigrateComponentAsync"/>).</summary>
    public const string Component = "contacts_read_model";

    /// <summary>The steps of the read model's tables: applied once under the store's advisory lock, so silos starting
    /// together do not race. Text that segments compare collates "C" (code-point order, as SQLite's BINARY).</summary>
    private static readonly PostgreSqlSchemaStep[] Steps =
    [
        new(1, "contacts read model and segment tables", $$"""
            CREATE TABLE {s}.contacts (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tenant text NOT NULL, address text COLLATE "C" NOT NULL, version bigint NOT NULL,
                domain text NOT NULL, role_address smallint NOT NULL, suppressed smallint NOT NULL, created_at bigint NOT NULL, updated_at bigint NOT NULL,
                last_open_at bigint, last_click_at bigint, opens bigint NOT NULL, clicks bigint NOT NULL, score double precision NOT NULL, status text,
                attributes text NOT NULL, UNIQUE (tenant, address));
            CREATE TABLE {s}.contact_lists (contact_id bigint NOT NULL, tenant text NOT NULL, list text NOT NULL, PRIMARY KEY (contact_id, list));
            CREATE INDEX contact_lists_by_list ON {s}.contact_lists (tenant, list, contact_id);
            CREATE TABLE {s}.contact_suppressions (
                contact_id bigint NOT NULL, tenant text NOT NULL, scope text NOT NULL, reason text NOT NULL, at bigint NOT NULL, PRIMARY KEY (contact_id, scope, reason));
            CREATE TABLE {s}.contact_slots (tenant text NOT NULL, name text NOT NULL, kind text NOT NULL, slot integer, PRIMARY KEY (tenant, name));
            CREATE TABLE {s}.contact_search (
                id bigint PRIMARY KEY, tenant text NOT NULL, suppressed smallint NOT NULL, role_address smallint NOT NULL,
                created_at bigint NOT NULL, updated_at bigint NOT NULL, last_open_at bigint, last_click_at bigint,
                opens bigint NOT NULL, clicks bigint NOT NULL, score double precision NOT NULL, status text COLLATE "C", domain text COLLATE "C" NOT NULL,
                lists text COLLATE "C", sup text COLLATE "C"{{SlotDefinitions()}});
            CREATE INDEX contact_search_by_tenant ON {s}.contact_search (tenant);
            CREATE TABLE {s}.contact_overflow (
                contact_id bigint NOT NULL, tenant text NOT NULL, name text NOT NULL, str text COLLATE "C", num double precision, PRIMARY KEY (contact_id, name));
            CREATE TABLE {s}.segment_members (
                tenant text NOT NULL, segment text NOT NULL, snapshot text NOT NULL, address text COLLATE "C" NOT NULL, PRIMARY KEY (tenant, segment, snapshot, address));
            CREATE INDEX segment_members_by_address ON {s}.segment_members (tenant, address);
            """),
    ];

    private static string SlotDefinitions()
    {
        var columns = new StringBuilder();
        for (var i = 0; i < SlotColumns.NumberCount; i++)
        {
            columns.Append(", n").Append(i).Append(" double precision");
        }

        for (var i = 0; i < SlotColumns.TextCount; i++)
        {
            columns.Append(", t").Append(i).Append(" text COLLATE \"C\"");
        }

        return columns.ToString();
    }

    private static string SlotNames(string prefix = "")
    {
        var names = new List<string>();
        for (var i = 0; i < SlotColumns.NumberCount; i++)
        {
            names.Add(prefix + "n" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        for (var i = 0; i < SlotColumns.TextCount; i++)
        {
            names.Add(prefix + "t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return string.Join(", ", names);
    }
}

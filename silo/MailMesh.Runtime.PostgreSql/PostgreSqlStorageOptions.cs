namespace MailMesh.Runtime.PostgreSql;

/// <summary>Settings of the PostgreSQL store (configuration section <c>Storage:PostgreSql</c>).</summary>
public sealed class PostgreSqlStorageOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Storage:PostgreSql";

    /// <summary>Npgsql connection string, e.g. <c>Host=db;Port=5432;Database=mailmesh;Username=mailmesh;Password=…</c>.
    /// Pool size, timeouts and TLS are set here too (Npgsql keywords). Required.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The schema that holds MailMesh's tables; created when missing. Several clusters (or test runs) can
    /// share one database with different schemas. Lower-case letters, digits and '_'. Default <c>mailmesh</c>.</summary>
    public string Schema { get; set; } = "mailmesh";

    /// <summary>How long a silo waits for another silo's schema migration (or a lock held by an old version) at
    /// start-up before it fails. Default 1 minute.</summary>
    public TimeSpan MigrationLockTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a waiting event-log reader looks for new events when no notification arrives (events
    /// committed by any silo also wake readers at once through LISTEN/NOTIFY). Default 2 s.</summary>
    public TimeSpan EventPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A silo whose last heartbeat is older than this is declared dead by
    /// <see cref="PostgreSqlMembershipTable.DeclareDeadAsync"/>. Default 10 s.</summary>
    public TimeSpan MemberDeathTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the id of a delivered cluster message stays recorded with the grain whose state write it made,
    /// so that a redelivery within this time is recognised as already applied. Longer than any message can wait in
    /// a shard queue. Default 1 day.</summary>
    public TimeSpan MessageDeduplicationWindow { get; set; } = TimeSpan.FromDays(1);
}

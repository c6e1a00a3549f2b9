namespace MailMesh.Runtime.PostgreSql;

/// <summary>One step of the tables of a component that keeps its own tables in the store's schema (a read model such as
/// the message index), applied by <see cref="PostgreSqlStore.MigrateComponentAsync"/>. <c>{s}</c> in
/// <paramref name="Sql"/> stands for the quoted schema name. Append steps; never edit a released one.</summary>
/// <param name="Version">1, 2, 3, … in order.</param>
/// <param name="Description">What the step does (logged).</param>
/// <param name="Sql">The DDL.</param>
public sealed record PostgreSqlSchemaStep(int Version, string Description, string Sql);

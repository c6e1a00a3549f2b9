using System.Globalization;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MailMesh.Runtime.PostgreSql.Internal;

/// <summary>Brings a schema to <see cref="Schema.LatestVersion"/> in one transaction that first takes a
/// transaction-scoped advisory lock for the schema: silos that start together wait for each other, apply each step
/// once, and a second run finds nothing to do. PostgreSQL's DDL is transactional, so a failed step leaves nothing
/// half-done.</summary>
internal static class SchemaMigrator
{
    /// <summary>First key of the advisory lock ("MMSG"); the second is a hash of the schema name.</summary>
    private const int LockClass = 0x4D4D5347;

    public static async Task<int> MigrateAsync(PostgreSqlStore store, ILogger logger, CancellationToken cancellationToken)
    {
        var schema = store.Schema;
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockAsync(store, connection, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, Schema.For(Schema.CreateVersionTable, schema), cancellationToken).ConfigureAwait(false);
        await using var select = new NpgsqlCommand(Schema.For(Schema.SelectVersion, schema), connection);
        var current = Convert.ToInt32(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (current > Schema.LatestVersion)
        {
            throw new StorageException(
                $"The schema '{schema}' on {store.Server} has schema version {current}, but this MailMesh knows versions up to " +
                $"{Schema.LatestVersion}: a newer MailMesh wrote it. Run that newer version (or a later one) against it, or set " +
                "MAILMESH__STORAGE__POSTGRESQL__SCHEMA to another schema. Nothing was changed.",
                isTransient: false);
        }

        foreach (var migration in Schema.Migrations)
        {
            if (migration.Version <= current)
            {
                continue;
            }

            await ExecuteAsync(connection, Schema.For(migration.Sql, schema), cancellationToken).ConfigureAwait(false);
            await using var record = new NpgsqlCommand(Schema.For(Schema.InsertVersion, schema), connection);
            record.Parameters.AddWithValue("version", migration.Version);
            record.Parameters.AddWithValue("description", migration.Description);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            Log.MigrationApplied(logger, migration.Version, migration.Description, store.Server, schema);
            current = migration.Version;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return current;
    }

    /// <summary>Brings the tables of <paramref name="component"/> (e.g. the message index) to the last of
    /// <paramref name="steps"/>, under the same lock, recording its version in <c>component_version</c>.</summary>
    public static async Task<int> MigrateComponentAsync(PostgreSqlStore store, string component, IReadOnlyList<PostgreSqlSchemaStep> steps, ILogger logger, CancellationToken cancellationToken)
    {
        var schema = store.Schema;
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await LockAsync(store, connection, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, Schema.For(Schema.CreateComponentVersionTable, schema), cancellationToken).ConfigureAwait(false);
        await using var select = new NpgsqlCommand(Schema.For(Schema.SelectComponentVersion, schema), connection);
        select.Parameters.AddWithValue("component", component);
        var current = Convert.ToInt32(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        var latest = steps.Count == 0 ? 0 : steps[^1].Version;
        if (current > latest)
        {
            throw new StorageException(
                $"The tables of '{component}' in schema '{schema}' on {store.Server} have version {current}, but this MailMesh knows versions up to " +
                $"{latest}: a newer MailMesh wrote them. Run that newer version (or a later one). Nothing was changed.",
                isTransient: false);
        }

        foreach (var step in steps)
        {
            if (step.Version <= current)
            {
                continue;
            }

            await ExecuteAsync(connection, Schema.For(step.Sql, schema), cancellationToken).ConfigureAwait(false);
            await using var record = new NpgsqlCommand(Schema.For(Schema.UpsertComponentVersion, schema), connection);
            record.Parameters.AddWithValue("component", component);
            record.Parameters.AddWithValue("version", step.Version);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            Log.MigrationApplied(logger, step.Version, $"{component}: {step.Description}", store.Server, schema);
            current = step.Version;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return current;
    }

    private static async Task LockAsync(PostgreSqlStore store, NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var lockTimeout = (long)store.Options.MigrationLockTimeout.TotalMilliseconds;
        await ExecuteAsync(connection, $"SET LOCAL lock_timeout = {lockTimeout.ToString(CultureInfo.InvariantCulture)}", cancellationToken).ConfigureAwait(false);
        await using var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@class, @key)", connection);
        lockCommand.Parameters.AddWithValue("class", LockClass);
        lockCommand.Parameters.AddWithValue("key", LockKey(store.Schema));
        try
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            throw new StorageException(
                $"Another silo has been migrating the schema '{store.Schema}' on {store.Server} for longer than " +
                $"Storage:PostgreSql:MigrationLockTimeout ({store.Options.MigrationLockTimeout}); nothing was changed. " +
                "Wait for it (or find the session holding the advisory lock in pg_locks), then start again.",
                isTransient: true,
                e);
        }
    }

    /// <summary>A stable 32-bit hash of the schema name (FNV-1a), the same in every process and version.</summary>
    internal static int LockKey(string schema)
    {
        var hash = 2166136261u;
        foreach (var c in schema)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return unchecked((int)hash);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}

using System.Globalization;
using MailMesh.Runtime.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>Brings a file to <see cref="Schema.LatestVersion"/> in one IMMEDIATE transaction: two processes that
/// start together apply each step once, and a second run finds nothing to do.</summary>
internal static class SchemaMigrator
{
    public static int Migrate(WriterConnection writer, string path, TimeProvider time, ILogger logger)
    {
        var connection = writer.Connection;
        Connections.Execute(connection, "BEGIN IMMEDIATE;");
        try
        {
            Connections.Execute(connection, Schema.CreateVersionTable);
            var current = Convert.ToInt32(Connections.Scalar(connection, Schema.SelectVersion), CultureInfo.InvariantCulture);
            if (current > Schema.LatestVersion)
            {
                throw new StorageException(
                    $"The SQLite database '{path}' has schema version {current}, but this MailMesh knows versions up to " +
                    $"{Schema.LatestVersion}: a newer MailMesh wrote it. Run that newer version (or a later one) against it, " +
                    "or set MAILMESH__STORAGE__SQLITE__DATABASEPATH to another file. The file was not changed.",
                    isTransient: false);
            }

            foreach (var migration in Schema.Migrations)
            {
                if (migration.Version <= current)
                {
                    continue;
                }

                Connections.Execute(connection, migration.Sql);
                using var record = connection.CreateCommand();
                record.CommandText = Schema.InsertVersion;
                record.Parameters.AddWithValue("$version", migration.Version);
                record.Parameters.AddWithValue("$description", migration.Description);
                record.Parameters.AddWithValue("$appliedAt", time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
                record.ExecuteNonQuery();
                Log.MigrationApplied(logger, migration.Version, migration.Description, path);
                current = migration.Version;
            }

            Connections.Execute(connection, "COMMIT;");
            return current;
        }
        catch (Exception e) when (e is SqliteException or StorageException)
        {
            if (writer.InTransaction)
            {
                Connections.Execute(connection, "ROLLBACK;");
            }

            throw;
        }
    }
}

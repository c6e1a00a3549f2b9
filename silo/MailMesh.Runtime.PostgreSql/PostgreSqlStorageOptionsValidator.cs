using MailMesh.Runtime.PostgreSql.Internal;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MailMesh.Runtime.PostgreSql;

/// <summary>Checks <see cref="PostgreSqlStorageOptions"/>; each failure says which setting is wrong and how to fix it.</summary>
public sealed class PostgreSqlStorageOptionsValidator : IValidateOptions<PostgreSqlStorageOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PostgreSqlStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Returns what is wrong with <paramref name="options"/> (empty when nothing is).</summary>
    public static IReadOnlyList<string> Check(PostgreSqlStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        CheckConnectionString(options.ConnectionString, failures);
        if (!SchemaName.IsValid(options.Schema))
        {
            failures.Add($"Storage:PostgreSql:Schema is '{options.Schema}'; it must be 1-{SchemaName.MaxLength} lower-case ASCII letters, " +
                         "digits or '_', starting with a letter or '_', and not start with 'pg_' (set MAILMESH__STORAGE__POSTGRESQL__SCHEMA, e.g. mailmesh)");
        }

        Range(failures, "MigrationLockTimeout", options.MigrationLockTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), "00:01:00");
        Range(failures, "EventPollInterval", options.EventPollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1), "00:00:02");
        Range(failures, "MemberDeathTimeout", options.MemberDeathTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), "00:00:10");
        Range(failures, "MessageDeduplicationWindow", options.MessageDeduplicationWindow, TimeSpan.FromMinutes(1), TimeSpan.FromDays(30), "1.00:00:00");
        return failures;
    }

    private static void CheckConnectionString(string? connectionString, List<string> failures)
    {
        const string Hint = "set MAILMESH__STORAGE__POSTGRESQL__CONNECTIONSTRING, e.g. Host=db;Port=5432;Database=mailmesh;Username=mailmesh;Password=…";
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            failures.Add($"Storage:PostgreSql:ConnectionString is not set; {Hint}");
            return;
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            failures.Add($"Storage:PostgreSql:ConnectionString is not a valid Npgsql connection string ({e.Message}); {Hint}");
            return;
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            failures.Add($"Storage:PostgreSql:ConnectionString names no Host; {Hint}");
        }

        if (string.IsNullOrWhiteSpace(builder.Database) && string.IsNullOrWhiteSpace(builder.Username))
        {
            failures.Add($"Storage:PostgreSql:ConnectionString names neither Database nor Username, so the database would be guessed; {Hint}");
        }
    }

    private static void Range(List<string> failures, string name, TimeSpan value, TimeSpan min, TimeSpan max, string example)
    {
        if (value < min || value > max)
        {
            failures.Add($"Storage:PostgreSql:{name} is {value}; it must be between {min} and {max} " +
                         $"(set MAILMESH__STORAGE__POSTGRESQL__{name.ToUpperInvariant()}, e.g. {example})");
        }
    }
}

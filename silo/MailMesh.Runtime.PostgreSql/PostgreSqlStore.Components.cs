using MailMesh.Runtime.PostgreSql.Internal;
using Npgsql;

namespace MailMesh.Runtime.PostgreSql;

public sealed partial class PostgreSqlStore
{
    /// <summary>Applies the pending <paramref name="steps"/> of <paramref name="component"/>'s own tables in this store's
    /// schema, under the same advisory lock as the store's migrations (safe when silos start together); returns the
    /// component's version. Call it from the component's start-up.</summary>
    /// <exception cref="Storage.StorageException">The server is unavailable, or the tables are newer than the steps.</exception>
    public async Task<int> MigrateComponentAsync(string component, IReadOnlyList<PostgreSqlSchemaStep> steps, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(component);
        ArgumentNullException.ThrowIfNull(steps);
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].Version != i + 1)
            {
                throw new ArgumentException($"Step #{i} of component '{component}' has version {steps[i].Version}; versions must be 1, 2, 3, … in order.", nameof(steps));
            }
        }

        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SchemaMigrator.MigrateComponentAsync(this, component, steps, _logger, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Fail(e, $"applying the schema migrations of '{component}' in schema '{Schema}'", outcomeUnknown: false);
        }
    }

    /// <summary>The quoted, schema-qualified name of <paramref name="table"/>, for components' SQL.</summary>
    public string Qualify(string table) => $"\"{Schema}\".{table}";

    /// <summary>Runs a component's database work on a pooled connection with the store's error handling: PostgreSQL
    /// errors become <see cref="Storage.StorageException"/>s (transient when the server is unavailable), and a
    /// connection found broken is replaced and the work run once more when <paramref name="repeatable"/> (reads and
    /// idempotent writes) or when nothing was sent yet.</summary>
    public Task<TResult> RunAsync<TState, TResult>(
        string operation,
        bool repeatable,
        TState state,
        Func<NpgsqlConnection, TState, CancellationToken, Task<TResult>> work,
        CancellationToken cancellationToken = default) =>
        ExecuteAsync(operation, repeatable ? Repeat.FencedWrite : Repeat.Write, state, work, cancellationToken);
}

using MailMesh.Runtime.Storage;
using MailMesh.Testing;

namespace MailMesh.Runtime.PostgreSql.Tests;

/// <summary>Two stores over one schema, each with its own connection pool: two silos sharing the cluster's database.
/// Each test gets a fresh schema.</summary>
public abstract class TwoSiloTestBase : IAsyncLifetime
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _schema = PostgreSqlBackend.NewSchema();

    protected PostgreSqlStore SiloA { get; private set; } = null!;

    protected PostgreSqlStore SiloB { get; private set; } = null!;

    protected virtual PostgreSqlStorageOptions Options(string schema) => PostgreSqlBackend.Options(schema);

    /// <summary>The clock both silos use (the system clock unless a test overrides it).</summary>
    protected virtual TimeProvider Clock => TimeProvider.System;

    public async Task InitializeAsync()
    {
        if (!TestServers.IsReachable(Server.Postgres))
        {
            return;
        }

        SiloA = await PostgreSqlStore.OpenAsync(Options(_schema), timeProvider: Clock);
        SiloB = await PostgreSqlStore.OpenAsync(Options(_schema), timeProvider: Clock);
    }

    public async Task DisposeAsync()
    {
        if (SiloA is null)
        {
            return;
        }

        await SiloA.DisposeAsync();
        await SiloB.DisposeAsync();
        await PostgreSqlBackend.DropSchemaAsync(_schema);
    }

    protected static EventDraft Event(string subject, string type = "counter.incremented") =>
        new(Guid.NewGuid(), "acme", type, subject, DateTimeOffset.UnixEpoch, "{}");

    protected static async Task<T> Within<T>(Task<T> task, string waitingFor)
    {
        try
        {
            return await task.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {Patience.TotalSeconds} s for {waitingFor}.");
        }
    }

    protected static async Task Within(Task task, string waitingFor)
    {
        try
        {
            await task.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {Patience.TotalSeconds} s for {waitingFor}.");
        }
    }
}

using MailMesh.Runtime.Hosting;
using MailMesh.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace MailMesh.Runtime.Tests.Infrastructure;

/// <summary>Builds silos for tests: the test grains, a manual clock, a shared probe and a chosen storage.</summary>
public static class TestSilo
{
    /// <summary>A silo over in-memory storage.</summary>
    public static Task<Silo> StartInMemoryAsync(
        Probe probe,
        ManualTimeProvider? time = null,
        InMemoryGrainStorage? storage = null,
        InMemoryReminderTable? reminders = null,
        Action<GrainRuntimeOptions>? options = null,
        Action<IServiceCollection>? services = null) =>
        StartAsync(probe, time, collection =>
        {
            collection.AddSingleton<IGrainStorage>(storage ?? new InMemoryGrainStorage());
            collection.AddSingleton<IReminderTable>(reminders ?? new InMemoryReminderTable());
            services?.Invoke(collection);
        }, options);

    /// <summary>A silo over the real SQLite provider with its file at <paramref name="databasePath"/>.</summary>
    public static Task<Silo> StartSqliteAsync(
        Probe probe,
        string databasePath,
        ManualTimeProvider? time = null,
        Action<GrainRuntimeOptions>? options = null,
        long? maxDatabaseSizeBytes = null) =>
        StartAsync(probe, time, services => services.AddMailMeshSqliteStorage(o =>
        {
            o.DatabasePath = databasePath;
            o.MaxDatabaseSizeBytes = maxDatabaseSizeBytes;
        }), options);

    private static Task<Silo> StartAsync(Probe probe, ManualTimeProvider? time, Action<IServiceCollection> storage, Action<GrainRuntimeOptions>? options)
    {
        var builder = new SiloBuilder()
            .ConfigureServices(services =>
            {
                services.AddSingleton(probe);
                if (time is not null)
                {
                    services.AddSingleton<TimeProvider>(time);
                }

                storage(services);
            })
            .AddGrainsFromAssembly(typeof(TestSilo).Assembly);
        if (options is not null)
        {
            builder.Configure(options);
        }

        return builder.StartAsync();
    }

    /// <summary>Waits for <paramref name="task"/> at most <paramref name="seconds"/>; the failure says what for.</summary>
    public static async Task<T> Within<T>(this Task<T> task, string waitingFor, int seconds = 10)
    {
        try
        {
            return await task.WaitAsync(TimeSpan.FromSeconds(seconds));
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Timed out after {seconds} s waiting for {waitingFor}.");
        }
    }

    /// <inheritdoc cref="Within{T}"/>
    public static async Task Within(this Task task, string waitingFor, int seconds = 10)
    {
        try
        {
            await task.WaitAsync(TimeSpan.FromSeconds(seconds));
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Timed out after {seconds} s waiting for {waitingFor}.");
        }
    }
}

/// <summary>A temporary directory, deleted at dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mailmesh-runtime-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Path, recursive: true);
    }
}

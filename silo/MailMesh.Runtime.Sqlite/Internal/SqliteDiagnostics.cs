using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>The SQLite store's activity source and meter <c>MailMesh.Runtime.Sqlite</c>: a span per store call
/// (<c>sqlite read</c>, <c>sqlite write</c>; OpenTelemetry database tags <c>db.system.name</c> = sqlite,
/// <c>db.namespace</c> = the database file, <c>db.operation.name</c> = read | write, and <c>mailmesh.db.operation</c>,
/// what the call does) and <c>db.client.operation.duration</c> s [db.system.name, db.operation.name, outcome]. A write's
/// duration includes its wait for the group commit. The store calls its own code directly when nothing listens.</summary>
internal static class SqliteDiagnostics
{
    public const string Name = "MailMesh.Runtime.Sqlite";

    private static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "db.client.operation.duration", "s", "Duration of database calls of the grain store, by system, operation (read, write) and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });

    public static bool IsEnabled => Source.HasListeners() || Duration.Enabled;

    public static async Task<T> TraceAsync<T>(string kind, string operation, string database, Func<Task<T>> call)
    {
        var activity = Source.StartActivity("sqlite " + kind, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("db.system.name", "sqlite");
            activity.SetTag("db.namespace", database);
            activity.SetTag("db.operation.name", kind);
            activity.SetTag("mailmesh.db.operation", operation);
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await call().ConfigureAwait(false);
            End(activity, kind, started, null);
            return result;
        }
        catch (Exception e) when (End(activity, kind, started, e))
        {
            throw;
        }
    }

    private static bool End(Activity? activity, string kind, long started, Exception? error)
    {
        if (Duration.Enabled)
        {
            Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("db.system.name", "sqlite"),
                new KeyValuePair<string, object?>("db.operation.name", kind), new KeyValuePair<string, object?>("outcome", error is null ? "ok" : "error"));
        }

        if (activity is not null)
        {
            if (error is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
                activity.SetTag("error.type", error.GetType().FullName);
            }

            activity.Stop();
        }

        return false;
    }
}

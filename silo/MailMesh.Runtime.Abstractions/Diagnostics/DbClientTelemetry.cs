using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailMesh.Runtime.Diagnostics;

/// <summary>The spans and the <c>db.client.operation.duration</c> histogram (s; db.system.name, db.operation.name,
/// outcome) of one storage provider: a span <c>&lt;system&gt; &lt;kind&gt;</c> per store call with the OpenTelemetry
/// database tags <c>db.system.name</c>, <c>db.namespace</c>, <c>db.operation.name</c> (read | write),
/// <c>server.address</c>/<c>server.port</c> when there is a server, and <c>mailmesh.db.operation</c>, what the call
/// does. A provider keeps one instance and calls its own code directly when <see cref="IsEnabled"/> is false.</summary>
public sealed class DbClientTelemetry
{
    private readonly ActivitySource _source;
    private readonly Histogram<double> _duration;
    private readonly string _system;

    /// <summary>Telemetry under the activity source and meter <paramref name="name"/> for the database system
    /// <paramref name="system"/> (e.g. "sqlite", "postgresql").</summary>
    public DbClientTelemetry(string name, string system)
    {
        _source = new ActivitySource(name);
        _duration = new Meter(name).CreateHistogram<double>(
            "db.client.operation.duration", "s", "Duration of database calls of the grain store, by system, operation (read, write) and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });
        _system = system;
    }

    /// <summary>True when a span or the histogram has a listener.</summary>
    public bool IsEnabled => _source.HasListeners() || _duration.Enabled;

    /// <summary>Runs <paramref name="call"/> inside a span and records its duration and outcome.</summary>
    public async Task<T> TraceAsync<T>(string kind, string operation, string database, string? host, int port, Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var activity = _source.StartActivity(_system + " " + kind, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("db.system.name", _system);
            activity.SetTag("db.namespace", database);
            if (host is not null)
            {
                activity.SetTag("server.address", host);
                activity.SetTag("server.port", port);
            }

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

    private bool End(Activity? activity, string kind, long started, Exception? error)
    {
        if (_duration.Enabled)
        {
            _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("db.system.name", _system),
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

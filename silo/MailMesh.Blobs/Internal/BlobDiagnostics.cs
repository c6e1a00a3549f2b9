using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailMesh.Blobs.Internal;

/// <summary>The blob stores' activity source and meter <c>MailMesh.Blobs</c>: one span per call (<c>blob put</c>,
/// <c>blob get</c>, <c>blob properties</c>, <c>blob delete</c>, <c>blob flush</c>; tags <c>mailmesh.blob.provider</c> =
/// local | azure, <c>mailmesh.blob.name</c>, <c>server.address</c> for Azure) and
/// <c>mailmesh.blob.operation.duration</c> s [provider, operation, outcome = ok | not_found | error]. The stores call
/// their own code directly when nothing listens (no allocation, no timestamp).</summary>
internal static class BlobDiagnostics
{
    public const string Name = "MailMesh.Blobs";

    private static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "mailmesh.blob.operation.duration", "s", "Duration of blob store calls, by provider (local, azure), operation and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10] });

    /// <summary>Whether anything records blob spans or metrics.</summary>
    public static bool IsEnabled => Source.HasListeners() || Duration.Enabled;

    /// <summary>Runs <paramref name="call"/> inside a span and records its duration and outcome (null result: not_found).</summary>
    public static async Task<T> TraceAsync<T>(string provider, string operation, string? name, string? server, Func<Task<T>> call)
    {
        var activity = Start(provider, operation, name, server);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await call().ConfigureAwait(false);
            End(activity, provider, operation, started, result is null || result is false ? "not_found" : "ok", null);
            return result;
        }
        catch (Exception e) when (End(activity, provider, operation, started, "error", e))
        {
            throw;
        }
    }

    /// <summary>As <see cref="TraceAsync{T}"/> for a call without a result.</summary>
    public static async Task TraceAsync(string provider, string operation, string? server, Func<Task> call)
    {
        var activity = Start(provider, operation, null, server);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await call().ConfigureAwait(false);
            End(activity, provider, operation, started, "ok", null);
        }
        catch (Exception e) when (End(activity, provider, operation, started, "error", e))
        {
            throw;
        }
    }

    private static Activity? Start(string provider, string operation, string? name, string? server)
    {
        var activity = Source.StartActivity("blob " + operation, server is null ? ActivityKind.Internal : ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("mailmesh.blob.provider", provider);
            activity.SetTag("mailmesh.blob.operation", operation);
            if (name is not null)
            {
                activity.SetTag("mailmesh.blob.name", name);
            }

            if (server is not null)
            {
                activity.SetTag("server.address", server);
            }
        }

        return activity;
    }

    private static bool End(Activity? activity, string provider, string operation, long started, string outcome, Exception? error)
    {
        if (Duration.Enabled)
        {
            Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("provider", provider),
                new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", outcome));
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

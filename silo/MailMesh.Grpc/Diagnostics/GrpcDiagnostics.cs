using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace MailMesh.Grpc.Diagnostics;

/// <summary>The gRPC server's meter and activity source (OpenTelemetry RPC conventions).</summary>
/// <remarks>Metric <c>rpc.server.duration</c> s [rpc_service, rpc_method, rpc_grpc_status_code]; one Server span per
/// call named <c>service/method</c>, child of the HTTP request's activity (which carries the caller's
/// <c>traceparent</c>), current while the handler runs so grain calls nest under it.</remarks>
public static class GrpcDiagnostics
{
    /// <summary>Name of the meter and of the activity source.</summary>
    public const string Name = "MailMesh.Grpc";

    /// <summary>The activity source.</summary>
    public static readonly ActivitySource Source = new(Name);

    /// <summary>The meter.</summary>
    public static readonly Meter Meter = new(Name);

    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "rpc.server.duration", "s", "Duration of gRPC calls handled, by service, method and status code.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60] });

    private static readonly string[] StatusCodes = Enumerable.Range(0, 17).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    internal static bool IsEnabled => Duration.Enabled || Source.HasListeners();

    /// <summary>Starts a call's span (null when no one listens) and returns its start timestamp.</summary>
    internal static Activity? Start(string service, string method, out long startedAt)
    {
        startedAt = Stopwatch.GetTimestamp();
        var activity = Source.HasListeners() ? Source.StartActivity(service + "/" + method, ActivityKind.Server) : null;
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("rpc.system", "grpc");
            activity.SetTag("rpc.service", service);
            activity.SetTag("rpc.method", method);
        }

        return activity;
    }

    /// <summary>Records the end of a call started by <see cref="Start"/>.</summary>
    internal static void Stop(string service, string method, StatusCode status, Activity? activity, long startedAt)
    {
        var code = (int)status is >= 0 and < 17 ? StatusCodes[(int)status] : ((int)status).ToString(CultureInfo.InvariantCulture);
        Duration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds,
            new KeyValuePair<string, object?>("rpc_service", service),
            new KeyValuePair<string, object?>("rpc_method", method),
            new KeyValuePair<string, object?>("rpc_grpc_status_code", code));
        if (activity is not null)
        {
            activity.SetTag("rpc.grpc.status_code", (int)status);
            if (status is not StatusCode.OK)
            {
                activity.SetStatus(ActivityStatusCode.Error, status.ToString());
            }

            activity.Stop();
        }
    }
}

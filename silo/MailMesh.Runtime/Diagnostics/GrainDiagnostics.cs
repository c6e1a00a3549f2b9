using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailMesh.Runtime.Diagnostics;

/// <summary>The grain runtime's meter and activity source. Every instrument costs a field read when nothing
/// listens: the runtime checks <see cref="Instrument.Enabled"/> and <see cref="ActivitySource.HasListeners"/>
/// before it takes a timestamp or creates an activity.</summary>
/// <remarks>Metrics (labels in brackets): <c>mailmesh.grain.calls</c> {call} [grain_type, outcome = ok | error |
/// timeout], <c>mailmesh.grain.turn.duration</c> s [grain_type], <c>mailmesh.grain.activations</c> {activation}
/// [grain_type], <c>mailmesh.grain.queue.depth</c> {call} [grain_type]. Spans: one <c>grain IFoo.Bar</c> span per
/// call, child of the caller's current activity.</remarks>
public static class GrainDiagnostics
{
    /// <summary>Name of the meter and of the activity source.</summary>
    public const string Name = "MailMesh.Runtime";

    /// <summary>The runtime's activity source (grain call spans).</summary>
    public static readonly ActivitySource Source = new(Name);

    /// <summary>The runtime's meter.</summary>
    public static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> Calls = Meter.CreateCounter<long>(
        "mailmesh.grain.calls", "{call}", "Grain calls answered, by grain interface and outcome (ok, error, timeout).");

    internal static readonly Histogram<double> TurnDuration = Meter.CreateHistogram<double>(
        "mailmesh.grain.turn.duration", "s", "Time from the start of a grain call's turn to its answer, awaits included.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30] });

    static GrainDiagnostics()
    {
        Meter.CreateObservableGauge("mailmesh.grain.activations", RuntimeGauges.Activations, "{activation}",
            "Grain activations in this silo's activation table, by grain interface.");
        Meter.CreateObservableGauge("mailmesh.grain.queue.depth", RuntimeGauges.QueueDepth, "{call}",
            "Grain calls queued and not yet started, by grain interface.");
    }

    /// <summary>True when something records grain call metrics or spans (the runtime then measures turns).</summary>
    internal static bool IsEnabled => TurnDuration.Enabled || Calls.Enabled || Source.HasListeners();

    /// <summary>The caller's trace context for a call about to be queued; default when no one listens.</summary>
    internal static ActivityContext CaptureParent() =>
        Source.HasListeners() && Activity.Current is { } current ? current.Context : default;

    /// <summary>Starts the span of a call's turn (null when no one samples it) and returns the start timestamp.</summary>
    internal static Activity? StartTurn(GrainId grain, string method, ActivityContext parent, out long startedAt)
    {
        startedAt = Stopwatch.GetTimestamp();
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity(ActivityKind.Internal, parent, name: "grain " + method);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("mailmesh.grain.type", grain.Type);
            activity.SetTag("mailmesh.grain.key", grain.Key);
        }

        return activity;
    }

    /// <summary>Records the end of a turn started by <see cref="StartTurn"/>.</summary>
    internal static void EndTurn(GrainId grain, Activity? activity, long startedAt, Exception? error)
    {
        var seconds = Stopwatch.GetElapsedTime(startedAt).TotalSeconds;
        var type = new KeyValuePair<string, object?>("grain_type", grain.Type);
        TurnDuration.Record(seconds, type);
        Calls.Add(1, type, new KeyValuePair<string, object?>("outcome", error is null ? "ok" : "error"));
        if (activity is not null)
        {
            if (error is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
                activity.SetTag("exception.type", error.GetType().FullName);
                activity.SetTag("exception.message", error.Message);
            }

            activity.Stop();
        }
    }

    /// <summary>Counts a call answered by the call timeout.</summary>
    internal static void TimedOut(GrainId grain)
    {
        if (Calls.Enabled)
        {
            Calls.Add(1, new KeyValuePair<string, object?>("grain_type", grain.Type), new KeyValuePair<string, object?>("outcome", "timeout"));
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;

namespace MailMesh.Telemetry.Tests;

/// <summary>Records every stopped activity of the MailMesh sources and of the test's own source; tests pick theirs by trace id.</summary>
internal sealed class ActivityRecorder : IDisposable
{
    public static readonly ActivitySource TestSource = new("MailMesh.Telemetry.Tests");

    private readonly ActivityListener _listener;

    public ActivityRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name.StartsWith("MailMesh.", StringComparison.Ordinal) || s.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => Stopped.Add(a),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public ConcurrentBag<Activity> Stopped { get; } = [];

    public List<Activity> InTrace(ActivityTraceId trace) => Stopped.Where(a => a.TraceId == trace).ToList();

    public void Dispose() => _listener.Dispose();
}

using System.Diagnostics;
using System.Text;

namespace MailMesh.Runtime.Diagnostics;

/// <summary>Carries the W3C trace context (<c>traceparent</c>, <c>tracestate</c>) of a grain call across a
/// process boundary, e.g. in the headers of a RabbitMQ message. The sender calls <see cref="Inject"/> while the
/// calling code's activity is current; the receiver calls <see cref="Extract"/> and then runs the call inside
/// <see cref="StartRemoteCall"/>, so the grain's span becomes a child of the caller's span in the other silo.</summary>
public static class GrainTracing
{
    /// <summary>Header carrying the W3C <c>traceparent</c>.</summary>
    public const string TraceParentHeader = "traceparent";

    /// <summary>Header carrying the W3C <c>tracestate</c>.</summary>
    public const string TraceStateHeader = "tracestate";

    /// <summary>Writes the current activity's trace context into <paramref name="headers"/>; writes nothing when
    /// there is no current activity.</summary>
    public static void Inject(IDictionary<string, object?> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var context = Activity.Current?.Context ?? default;
        if (context == default)
        {
            return;
        }

        headers[TraceParentHeader] = FormatTraceParent(context);
        if (!string.IsNullOrEmpty(context.TraceState))
        {
            headers[TraceStateHeader] = context.TraceState;
        }
    }

    /// <summary>Reads a trace context written by <see cref="Inject"/>. Values may be strings or UTF-8 bytes (as
    /// RabbitMQ delivers them). Returns default when the headers carry none or a malformed one.</summary>
    public static ActivityContext Extract(IReadOnlyDictionary<string, object?>? headers)
    {
        if (headers is null || !headers.TryGetValue(TraceParentHeader, out var parent))
        {
            return default;
        }

        var state = headers.TryGetValue(TraceStateHeader, out var s) ? AsString(s) : null;
        return ActivityContext.TryParse(AsString(parent), state, isRemote: true, out var context) ? context : default;
    }

    /// <summary>Starts the span of a call that arrived from another process (kind Server), current until disposed;
    /// grain calls made while it is current are its children. Null when no one listens or samples it.</summary>
    public static Activity? StartRemoteCall(ActivityContext parent, GrainId target, string method)
    {
        if (!GrainDiagnostics.Source.HasListeners())
        {
            return null;
        }

        var activity = GrainDiagnostics.Source.StartActivity(ActivityKind.Server, parent, name: "receive " + method);
        activity?.SetTag("mailmesh.grain.type", target.Type);
        return activity;
    }

    /// <summary>The <c>traceparent</c> value of <paramref name="context"/> (version 00).</summary>
    public static string FormatTraceParent(ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    private static string? AsString(object? value) => value switch
    {
        string text => text,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        ReadOnlyMemory<byte> memory => Encoding.UTF8.GetString(memory.Span),
        _ => null,
    };
}

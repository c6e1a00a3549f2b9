using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using MailMesh.Runtime;
using MailMesh.Runtime.Diagnostics;
using MailMesh.Runtime.Hosting;

namespace MailMesh.Telemetry.Tests;

public sealed class GrainTracingTests
{
    [Fact]
    public async Task GrainCall_CallerActivityCurrent_SpansNestAlongTheCallChain()
    {
        using var recorder = new ActivityRecorder();
        await using var silo = await new SiloBuilder().AddGrainsFromAssembly(typeof(RelayTestGrain).Assembly).StartAsync();
        var first = silo.GrainFactory.GetGrain<IRelayTestGrain>("t/first-" + Guid.NewGuid().ToString("N"));

        ActivityTraceId trace;
        using (var outer = ActivityRecorder.TestSource.StartActivity("client request"))
        {
            Assert.NotNull(outer);
            trace = outer.TraceId;
            Assert.Equal("hi", await first.Forward("t/second", "hi"));
        }

        var spans = recorder.InTrace(trace);
        var forward = spans.Single(a => a.DisplayName == "grain IRelayTestGrain.Forward");
        var echo = spans.Single(a => a.DisplayName == "grain IRelayTestGrain.Echo");
        var root = spans.Single(a => a.DisplayName == "client request");
        Assert.Equal(root.SpanId, forward.ParentSpanId);
        Assert.Equal(forward.SpanId, echo.ParentSpanId);
        Assert.Equal("t/second", echo.GetTagItem("mailmesh.grain.key"));
        Assert.Equal(ActivityStatusCode.Unset, echo.Status);
    }

    [Fact]
    public async Task GrainCall_GrainThrows_SpanIsErrorAndCallCountedAsError()
    {
        using var recorder = new ActivityRecorder();
        var outcomes = new ConcurrentBag<(string Type, string Outcome)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == GrainDiagnostics.Name && instrument.Name == "mailmesh.grain.calls")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? type = null, outcome = null;
            foreach (var tag in tags)
            {
                (type, outcome) = tag.Key == "grain_type" ? ((string?)tag.Value, outcome) : (type, tag.Key == "outcome" ? (string?)tag.Value : outcome);
            }

            outcomes.Add((type!, outcome!));
        });
        meters.Start();
        await using var silo = await new SiloBuilder().AddGrainsFromAssembly(typeof(RelayTestGrain).Assembly).StartAsync();
        var grain = silo.GrainFactory.GetGrain<IRelayTestGrain>("t/failing-" + Guid.NewGuid().ToString("N"));

        ActivityTraceId trace;
        using (var outer = ActivityRecorder.TestSource.StartActivity("client request"))
        {
            trace = outer!.TraceId;
            await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Fail("no"));
        }

        var span = recorder.InTrace(trace).Single(a => a.DisplayName == "grain IRelayTestGrain.Fail");
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("no", span.GetTagItem("exception.message"));
        Assert.Contains((typeof(IRelayTestGrain).FullName!, "error"), outcomes);
    }

    [Fact]
    public void InjectExtract_RoundTripThroughByteHeaders_KeepsTraceAndSpan()
    {
        using var recorder = new ActivityRecorder();
        using var sender = ActivityRecorder.TestSource.StartActivity("send");
        Assert.NotNull(sender);
        sender.TraceStateString = "vendor=1";
        var headers = new Dictionary<string, object?>();

        GrainTracing.Inject(headers);
        // As a RabbitMQ consumer sees them: UTF-8 bytes.
        var received = headers.ToDictionary(h => h.Key, h => (object?)Encoding.UTF8.GetBytes((string)h.Value!));
        var context = GrainTracing.Extract(received);

        Assert.Equal(sender.TraceId, context.TraceId);
        Assert.Equal(sender.SpanId, context.SpanId);
        Assert.Equal("vendor=1", context.TraceState);
        Assert.True(context.IsRemote);
    }

    [Fact]
    public void Extract_MalformedTraceParent_ReturnsNoContext()
    {
        var context = GrainTracing.Extract(new Dictionary<string, object?> { ["traceparent"] = "00-not-a-trace-01" });

        Assert.Equal(default, context);
    }

    [Fact]
    public async Task StartRemoteCall_ExtractedParent_GrainSpanJoinsTheSendersTrace()
    {
        using var recorder = new ActivityRecorder();
        await using var silo = await new SiloBuilder().AddGrainsFromAssembly(typeof(RelayTestGrain).Assembly).StartAsync();
        var headers = new Dictionary<string, object?>();
        ActivityTraceId trace;
        using (var sender = ActivityRecorder.TestSource.StartActivity("send"))
        {
            trace = sender!.TraceId;
            GrainTracing.Inject(headers);
        }

        var grain = GrainId.Create(typeof(IRelayTestGrain).FullName!, "t/remote");
        using (GrainTracing.StartRemoteCall(GrainTracing.Extract(headers), grain, "IRelayTestGrain.Echo"))
        {
            await silo.GrainFactory.GetGrain<IRelayTestGrain>("t/remote").Echo("x");
        }

        var spans = recorder.InTrace(trace);
        var receive = spans.Single(a => a.DisplayName == "receive IRelayTestGrain.Echo");
        Assert.Equal(ActivityKind.Server, receive.Kind);
        Assert.Equal(receive.SpanId, spans.Single(a => a.DisplayName == "grain IRelayTestGrain.Echo").ParentSpanId);
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using MailMesh.Runtime;
using MailMesh.Runtime.Cluster;
using MailMesh.Runtime.RabbitMq;
using MailMesh.Testing;

namespace MailMesh.Cluster.Tests.Fabric;

/// <summary>The W3C trace context of a call travels through the broker: the callee silo's span continues the caller's
/// trace, as a child of the caller's send span, with its tracestate intact.</summary>
public sealed class TraceContextTests : TestClusterPerTest
{
    [ServerFact(Server.Postgres, Server.RabbitMq)]
    public async Task Call_ToAGrainOnAnotherSilo_CalleeSpanContinuesTheTraceWithTracestate()
    {
        var (a, _) = await Cluster.StartTwoSilosAsync();
        var key = TestCluster.KeysOwnedBy<IClusterCounterGrain>("silo-b", Enumerable.Range(0, 1000).Select(i => $"acme/t{i}")).First();
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "MailMesh.Runtime.RabbitMq",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using var origin = new ActivitySource("MailMesh.Cluster.Tests.Trace");
        using var originListener = new ActivityListener
        {
            ShouldListenTo = source => source == origin,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(originListener);

        ActivityTraceId trace;
        using (var request = origin.StartActivity("request")!)
        {
            request.TraceStateString = "mailmesh=t1,vendor=x";
            trace = request.TraceId;
            Assert.Equal("silo-b", await a.Grains.GetGrain<IClusterCounterGrain>(key).WhereAmI());
        }

        var ours = spans.Where(s => s.TraceId == trace).ToArray();
        var call = Assert.Single(ours, s => s.Kind == ActivityKind.Client);
        var handle = Assert.Single(ours, s => s.Kind == ActivityKind.Server);
        Assert.Equal(call.SpanId, handle.ParentSpanId);
        Assert.True(handle.HasRemoteParent);
        Assert.Equal("mailmesh=t1,vendor=x", handle.TraceStateString);
    }
}

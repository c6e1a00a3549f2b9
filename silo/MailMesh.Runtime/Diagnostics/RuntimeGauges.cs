using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MailMesh.Runtime.Internal;

namespace MailMesh.Runtime.Diagnostics;

/// <summary>The running silos of this process, read by the observable gauges at each collection.</summary>
internal static class RuntimeGauges
{
    private static readonly ConcurrentDictionary<SiloRuntime, byte> Running = new();

    public static void Add(SiloRuntime runtime) => Running.TryAdd(runtime, 0);

    public static void Remove(SiloRuntime runtime) => Running.TryRemove(runtime, out _);

    public static IEnumerable<Measurement<long>> Activations() => Count(static _ => 1);

    public static IEnumerable<Measurement<long>> QueueDepth() => Count(static a => a.Scheduler.QueuedCount);

    private static List<Measurement<long>> Count(Func<Internal.Activation.ActivationData, int> measure)
    {
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var runtime in Running.Keys)
        {
            foreach (var activation in runtime.Catalog.Activations)
            {
                byType[activation.GrainId.Type] = byType.GetValueOrDefault(activation.GrainId.Type) + measure(activation);
            }
        }

        var measurements = new List<Measurement<long>>(byType.Count);
        foreach (var (type, value) in byType)
        {
            measurements.Add(new Measurement<long>(value, new KeyValuePair<string, object?>("grain_type", type)));
        }

        return measurements;
    }
}

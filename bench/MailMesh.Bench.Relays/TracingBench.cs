using System.Diagnostics;
using MailMesh.Runtime;
using MailMesh.Runtime.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace MailMesh.Bench.Relays;

/// <summary>In-process grain calls/s (64 callers, 1,000 grains) without any listener, with every span sampled into the
/// SDK's batch exporter, and with 10 % sampling; the process CPU time per call is printed beside wall time, so the
/// overhead can be read on a loaded machine.</summary>
internal static class TracingBench
{
    private const int Callers = 64;

    public static async Task RunAsync(TimeSpan duration)
    {
        await using var silo = await new SiloBuilder().AddGrainsFromAssembly(typeof(TraceGrain).Assembly).StartAsync();
        var grains = Enumerable.Range(0, 1000).Select(i => silo.GrainFactory.GetGrain<ITraceGrain>($"bench/t{i}")).ToArray();
        await Task.WhenAll(grains.Select(g => g.Ping(0)));
        await MeasureAsync(grains, TimeSpan.FromSeconds(1));

        var rows = new List<(string Name, Run Run, long Exported)>();
        foreach (var mode in new[] { "none", "all sampled, batch exporter", "10 % sampled, batch exporter", "none (again)" })
        {
            var exporter = new CountingExporter();
            using var provider = mode.StartsWith("none", StringComparison.Ordinal) ? null : Sdk.CreateTracerProviderBuilder()
                .AddSource("MailMesh.*")
                .SetSampler(mode.StartsWith("10", StringComparison.Ordinal) ? new TraceIdRatioBasedSampler(0.1) : new AlwaysOnSampler())
                .AddProcessor(new BatchActivityExportProcessor(exporter, maxQueueSize: 65536, scheduledDelayMilliseconds: 200, maxExportBatchSize: 4096))
                .Build();
            await MeasureAsync(grains, TimeSpan.FromSeconds(1));
            var run = await MeasureAsync(grains, duration);
            provider?.ForceFlush();
            rows.Add((mode, run, exporter.Exported));
        }

        var baseline = rows[0].Run;
        Console.WriteLine();
        Console.WriteLine($"| grain calls, {Callers} callers, 1,000 grains | calls/s | vs none | CPU µs/call | vs none | spans exported |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, run, exported) in rows)
        {
            Console.WriteLine($"| {name} | {run.PerSecond:N0} | {run.PerSecond / baseline.PerSecond:0.00} | {run.CpuMicrosPerCall:0.00} | " +
                              $"{run.CpuMicrosPerCall / baseline.CpuMicrosPerCall:0.00} | {exported:N0} |");
        }
    }

    private static async Task<Run> MeasureAsync(ITraceGrain[] grains, TimeSpan duration)
    {
        var stop = false;
        var counts = new long[Callers];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var tasks = Enumerable.Range(0, Callers).Select(c => Task.Run(async () =>
        {
            var random = new Random(c);
            long n = 0;
            while (!Volatile.Read(ref stop))
            {
                await grains[random.Next(grains.Length)].Ping(c);
                n++;
            }

            counts[c] = n;
        })).ToArray();
        await Task.Delay(duration);
        Volatile.Write(ref stop, true);
        await Task.WhenAll(tasks);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var calls = counts.Sum();
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return new Run(calls / elapsed.TotalSeconds, used.TotalMilliseconds * 1000 / calls);
    }

    private sealed record Run(double PerSecond, double CpuMicrosPerCall);

    /// <summary>Counts exported spans (what an OTLP exporter would serialize and send).</summary>
    private sealed class CountingExporter : BaseExporter<Activity>
    {
        private long _exported;

        public long Exported => Interlocked.Read(ref _exported);

        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var activity in batch)
            {
                _ = activity.DisplayName;
                Interlocked.Increment(ref _exported);
            }

            return ExportResult.Success;
        }
    }
}

public interface ITraceGrain : IGrainWithStringKey
{
    Task<int> Ping(int value);
}

public sealed class TraceGrain : Grain, ITraceGrain
{
    public Task<int> Ping(int value) => Task.FromResult(value + 1);
}

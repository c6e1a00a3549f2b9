using System.Diagnostics;
using MailMesh.Bench.Runtime;
using MailMesh.Runtime;
using MailMesh.Runtime.Hosting;

// In-process grain calls/s and latency, against a bare Channel<T> ping-pong in the same run.
// Usage: dotnet run -c Release --project bench/MailMesh.Bench.Runtime -- [seconds per scenario] [callers] [grains]
var seconds = args.Length > 0 ? double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5;
var callers = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 64;
var grains = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
var duration = TimeSpan.FromSeconds(seconds);

Console.WriteLine($"MailMesh runtime benchmark: {Environment.ProcessorCount} cores, .NET {Environment.Version}, " +
                  $"server GC {System.Runtime.GCSettings.IsServerGC}, {seconds} s per scenario, {callers} callers");

await using var silo = await new SiloBuilder().AddGrainsFromAssembly(typeof(BenchGrain).Assembly).StartAsync();
var factory = silo.GrainFactory;
var many = Enumerable.Range(0, grains).Select(i => factory.GetGrain<IBenchGrain>($"bench/g{i}")).ToArray();
var hot = new[] { factory.GetGrain<IBenchGrain>("bench/hot") };

// Activate every grain first: the benchmark measures calls, not activations.
await Task.WhenAll(many.Select(g => g.Ping(0)));
await hot[0].Ping(0);

// Allocation per call, one caller, the hot grain.
for (var i = 0; i < 10_000; i++)
{
    await hot[0].Ping(i);
}

var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
const int AllocationCalls = 100_000;
for (var i = 0; i < AllocationCalls; i++)
{
    await hot[0].Ping(i);
}

Console.WriteLine($"allocated per grain call (sequential, Task<int> method): {(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)AllocationCalls:0} bytes");

for (var i = 0; i < 10_000; i++)
{
    await hot[0].PingValue(i);
}

allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
for (var i = 0; i < AllocationCalls; i++)
{
    await hot[0].PingValue(i);
}

Console.WriteLine($"allocated per grain call (sequential, ValueTask<int> method): {(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)AllocationCalls:0} bytes");

var results = new List<(string Name, Result Grain, Result Channel)>();
foreach (var (name, targets) in new[] { ("1 hot grain", hot), ($"{grains:N0} grains", many) })
{
    await Measure(targets, callers, TimeSpan.FromSeconds(1)); // warm-up
    var grain = await Measure(targets, callers, duration);
    await using var channels = new ChannelPingPong(targets.Length);
    await MeasureChannel(channels, targets.Length, callers, TimeSpan.FromSeconds(1));
    var channel = await MeasureChannel(channels, targets.Length, callers, duration);
    results.Add((name, grain, channel));
}

Console.WriteLine();
Console.WriteLine($"| scenario ({callers} callers) | grain calls/s | p50 µs | p99 µs | Channel<T> calls/s | p50 µs | p99 µs | grain/channel |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
foreach (var (name, grain, channel) in results)
{
    Console.WriteLine($"| {name} | {grain.PerSecond:N0} | {grain.P50:0.0} | {grain.P99:0.0} | {channel.PerSecond:N0} | {channel.P50:0.0} | {channel.P99:0.0} | {grain.PerSecond / channel.PerSecond:0.00} |");
}

return;

static async Task<Result> Measure(IBenchGrain[] targets, int callers, TimeSpan duration)
{
    var stop = false;
    var samples = new List<long>[callers];
    var counts = new long[callers];
    var start = Stopwatch.GetTimestamp();
    var tasks = Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
    {
        var mine = samples[c] = new List<long>(1 << 16);
        var random = new Random(c);
        long n = 0;
        while (!Volatile.Read(ref stop))
        {
            var target = targets[targets.Length == 1 ? 0 : random.Next(targets.Length)];
            if ((n & 15) == 0)
            {
                var t0 = Stopwatch.GetTimestamp();
                await target.Ping(c);
                mine.Add(Stopwatch.GetTimestamp() - t0);
            }
            else
            {
                await target.Ping(c);
            }

            n++;
        }

        counts[c] = n;
    })).ToArray();
    await Task.Delay(duration);
    Volatile.Write(ref stop, true);
    await Task.WhenAll(tasks);
    return Result.From(counts.Sum(), Stopwatch.GetElapsedTime(start), samples);
}

static async Task<Result> MeasureChannel(ChannelPingPong channels, int actors, int callers, TimeSpan duration)
{
    var stop = false;
    var samples = new List<long>[callers];
    var counts = new long[callers];
    var start = Stopwatch.GetTimestamp();
    var tasks = Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
    {
        var mine = samples[c] = new List<long>(1 << 16);
        var reply = new ChannelPingPong.Reply();
        var random = new Random(c);
        long n = 0;
        while (!Volatile.Read(ref stop))
        {
            var actor = actors == 1 ? 0 : random.Next(actors);
            if ((n & 15) == 0)
            {
                var t0 = Stopwatch.GetTimestamp();
                await channels.Call(actor, c, reply);
                mine.Add(Stopwatch.GetTimestamp() - t0);
            }
            else
            {
                await channels.Call(actor, c, reply);
            }

            n++;
        }

        counts[c] = n;
    })).ToArray();
    await Task.Delay(duration);
    Volatile.Write(ref stop, true);
    await Task.WhenAll(tasks);
    return Result.From(counts.Sum(), Stopwatch.GetElapsedTime(start), samples);
}

internal readonly record struct Result(double PerSecond, double P50, double P99)
{
    public static Result From(long calls, TimeSpan elapsed, List<long>[] samples)
    {
        var all = samples.SelectMany(s => s).Order().ToArray();
        double Micros(double q) => all.Length == 0 ? 0 : all[(int)Math.Min(all.Length - 1, q * all.Length)] * 1_000_000.0 / Stopwatch.Frequency;
        return new Result(calls / elapsed.TotalSeconds, Micros(0.50), Micros(0.99));
    }
}

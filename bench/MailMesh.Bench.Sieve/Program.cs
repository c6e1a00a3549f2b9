using System.Diagnostics;
using System.Globalization;
using MailMesh.Bench.Sieve;
using MailMesh.Mime;
using MailMesh.Rules;
using MailMesh.Sieve;

// Sieve benchmark: a 50-rule script over a few thousand messages, parsing included, single thread, compared in the
// same run with Pigeonhole's sieve-filter over the same messages in a Maildir (run as nobody); plus headers-only
// rules over already-parsed messages.
//   dotnet run -c Release --project bench/MailMesh.Bench.Sieve -- [--messages 3000] [--runs 3] [--warmup 2] [--steps]
// --steps: where the time goes (MIME parsing, adapter, each rule on its own) instead of the comparison.
// --loop full|headers [--seconds 20] [--passes N]: only that pass, over and over, for a profiler (perf record -p PID;
// perf stat -e instructions:u with --passes N and --passes 0 gives instructions per message, steady under load).
var count = ArgValue("--messages", 3000);
var runs = ArgValue("--runs", 3);
var warmup = ArgValue("--warmup", 2);
var (messages, source) = Corpus.Load(count);
var fifty = Scripts.FiftyRules();
var headers = Scripts.HeadersOnly();
if (args.Contains("--steps"))
{
    Steps.Run(messages, fifty, runs);
    return;
}

if (Array.IndexOf(args, "--loop") is var loopAt and >= 0 && loopAt + 1 < args.Length)
{
    Steps.Loop(messages, args[loopAt + 1] == "headers" ? headers : fifty, args[loopAt + 1] == "headers", ArgValue("--seconds", 20), ArgValue("--passes", int.MaxValue));
    return;
}

var compiler = new SieveCompiler();
var full = compiler.CompileOrThrow(fifty);
var headersOnly = compiler.CompileOrThrow(headers);
var evaluator = new RuleEvaluator();
Console.WriteLine($"messages: {source}; {messages.Sum(m => (long)m.Length) / 1024 / 1024.0:0.0} MiB");
Console.WriteLine($"50-rule script: {fifty.Split('\n').Count(l => l.StartsWith("if ", StringComparison.Ordinal))} rules; headers-only script: {headers.Split('\n').Count(l => l.StartsWith("if ", StringComparison.Ordinal))} rules");

// Parsing included: parse + evaluate each message. Each pass also records the process CPU time it used.
using var self = Process.GetCurrentProcess();
var fullCpu = new List<TimeSpan>();
TimeSpan Cpu()
{
    self.Refresh();
    return self.TotalProcessorTime;
}

double FullPass()
{
    var cpu = Cpu();
    var watch = Stopwatch.StartNew();
    var actions = 0L;
    foreach (var raw in messages)
    {
        using var parsed = MimeMessage.Parse(raw);
        actions += evaluator.Evaluate(full, parsed, raw.Length).Actions.Count;
    }

    GC.KeepAlive(actions);
    var rate = messages.Count / watch.Elapsed.TotalSeconds;
    fullCpu.Add(Cpu() - cpu);
    return rate;
}

// Warm-up passes (not counted) let tiered compilation reach the steady state a long-running silo runs in.
for (var w = 0; w < warmup; w++)
{
    FullPass();
}

fullCpu.Clear();
var fullRates = Enumerable.Range(0, runs).Select(_ => FullPass()).ToList();
Console.WriteLine($"MailMesh 50 rules, parsing included: {string.Join(", ", fullRates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} msg/s (best {fullRates.Max():N0}); "
    + $"CPU {string.Join(", ", fullCpu.Select(c => PerMessage(c).ToString("N1", CultureInfo.InvariantCulture)))} us/msg (best {PerMessage(fullCpu.Min()):N1})");

var parsedAll = messages.Select(m => MimeMessage.Parse(m)).ToList();
var headersCpu = new List<TimeSpan>();
double HeadersPass()
{
    var cpu = Cpu();
    var watch = Stopwatch.StartNew();
    var actions = 0L;
    for (var i = 0; i < parsedAll.Count; i++)
    {
        actions += evaluator.Evaluate(headersOnly, parsedAll[i], messages[i].Length).Actions.Count;
    }

    GC.KeepAlive(actions);
    var rate = parsedAll.Count / watch.Elapsed.TotalSeconds;
    headersCpu.Add(Cpu() - cpu);
    return rate;
}

for (var w = 0; w < warmup; w++)
{
    HeadersPass();
}

headersCpu.Clear();
var headerRates = Enumerable.Range(0, runs).Select(_ => HeadersPass()).ToList();
Console.WriteLine($"MailMesh headers-only, already parsed: {string.Join(", ", headerRates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} msg/s (best {headerRates.Max():N0}; target 50,000); "
    + $"CPU {string.Join(", ", headersCpu.Select(c => PerMessage(c).ToString("N1", CultureInfo.InvariantCulture)))} us/msg (best {PerMessage(headersCpu.Min()):N1}, {messages.Count / headersCpu.Min().TotalSeconds:N0} msg per CPU second)");

var peer = await SieveFilter.RunAsync(messages, fifty, runs);
if (peer is null)
{
    Console.WriteLine("sieve-filter: not installed (Debian dovecot-sieve); no comparison");
    return;
}

Console.WriteLine($"Pigeonhole sieve-filter 50 rules (Maildir, dry run, as nobody): {string.Join(", ", peer.Select(r => r.Rate.ToString("N0", CultureInfo.InvariantCulture)))} msg/s (best {peer.Max(r => r.Rate):N0}); "
    + $"CPU {string.Join(", ", peer.Select(r => PerMessage(r.Cpu).ToString("N1", CultureInfo.InvariantCulture)))} us/msg (best {PerMessage(peer.Min(r => r.Cpu)):N1})");
Console.WriteLine($"ratio MailMesh/sieve-filter (best vs best): wall {fullRates.Max() / peer.Max(r => r.Rate):0.0}x, CPU time {peer.Min(r => r.Cpu) / fullCpu.Min():0.0}x (target >= 5x)");

double PerMessage(TimeSpan cpu) => cpu.TotalMicroseconds / messages.Count;

int ArgValue(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

using System.Diagnostics;
using MailMesh.Mime;
using MailMesh.Rules;
using MailMesh.Sieve;
using MailMesh.Sieve.Interpretation;

namespace MailMesh.Bench.Sieve;

/// <summary>
/// The <c>--steps</c> mode: where the time of the 50-rule pass goes. Times MIME parsing alone, each evaluation
/// over already-parsed messages (whole script, then every rule as a script of its own) and prints the costliest
/// rules first, in microseconds of process CPU time per message (steadier than wall time on a loaded machine)
/// and bytes allocated per message.
/// </summary>
internal static class Steps
{
    public static void Run(List<byte[]> messages, string fiftyRules, int runs)
    {
        var parsed = messages.Select(m => MimeMessage.Parse(m)).ToList();
        var evaluator = new RuleEvaluator();
        var compiler = new SieveCompiler();
        var lines = fiftyRules.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var require = lines[0];
        var rules = lines.Skip(1).ToList();

        var parse = Best(runs, messages.Count, () =>
        {
            foreach (var raw in messages)
            {
                using var message = MimeMessage.Parse(raw);
            }
        });
        Print("MIME parse only", parse);

        var empty = compiler.CompileOrThrow(require);
        var nothing = Best(runs, messages.Count, () => Evaluate(evaluator, empty, parsed, messages));
        Print("empty script (adapter, runtime)", nothing);

        var headersOnly = compiler.CompileOrThrow(Scripts.HeadersOnly());
        var reference = new RuleEvaluator(options: new SieveExecutionOptions { UseReferenceInterpreter = true });
        Print("headers-only rules, parsed", Best(runs, messages.Count, () => Evaluate(evaluator, headersOnly, parsed, messages)));
        Print("  same, reference interpreter", Best(runs, messages.Count, () => Evaluate(reference, headersOnly, parsed, messages)));

        var whole = compiler.CompileOrThrow(fiftyRules);
        Print("50 rules over parsed messages", Best(runs, messages.Count, () => Evaluate(evaluator, whole, parsed, messages)));
        Print("  same, reference interpreter", Best(runs, messages.Count, () => Evaluate(reference, whole, parsed, messages)));

        var costs = new List<(Cost Cost, string Rule)>();
        foreach (var rule in rules)
        {
            var script = compiler.CompileOrThrow(require + "\n" + rule.Replace("stop;", string.Empty, StringComparison.Ordinal));
            var cost = Best(runs, messages.Count, () => Evaluate(evaluator, script, parsed, messages));
            costs.Add((new Cost(cost.Micros - nothing.Micros, cost.Bytes - nothing.Bytes), rule));
        }

        Console.WriteLine($"sum of single rules (minus empty): {costs.Sum(c => c.Cost.Micros),8:0.00} us/msg, {costs.Sum(c => c.Cost.Bytes),8:0} B/msg; costliest:");
        foreach (var (cost, rule) in costs.OrderByDescending(c => c.Cost.Micros).Take(15))
        {
            Console.WriteLine($"  {cost.Micros,8:0.00} us {cost.Bytes,8:0} B  {(rule.Length > 90 ? rule[..90] : rule)}");
        }
    }

    /// <summary>Runs one pass over and over for <paramref name="seconds"/> (for a profiler attached to the process).</summary>
    public static void Loop(List<byte[]> messages, string script, bool parsedOnly, int seconds, int maxPasses)
    {
        var evaluator = new RuleEvaluator();
        var compiled = new SieveCompiler().CompileOrThrow(script);
        var parsed = parsedOnly ? messages.Select(m => MimeMessage.Parse(m)).ToList() : null;
        Console.WriteLine($"looping the {(parsedOnly ? "headers-only, parsed" : "50-rule, parsing included")} pass for {seconds} s in process {Environment.ProcessId}");
        var watch = Stopwatch.StartNew();
        var passes = 0;
        while (watch.Elapsed.TotalSeconds < seconds && passes < maxPasses)
        {
            for (var i = 0; i < messages.Count; i++)
            {
                if (parsed is not null)
                {
                    evaluator.Evaluate(compiled, parsed[i], messages[i].Length);
                }
                else
                {
                    using var message = MimeMessage.Parse(messages[i]);
                    evaluator.Evaluate(compiled, message, messages[i].Length);
                }
            }

            passes++;
        }

        Console.WriteLine($"{passes * (double)messages.Count / watch.Elapsed.TotalSeconds:N0} msg/s over {passes} passes");
    }

    private static void Print(string what, Cost cost) => Console.WriteLine($"{what + ":",-34}{cost.Micros,9:0.00} us/msg CPU {cost.Bytes,9:0} B/msg");

    private static void Evaluate(RuleEvaluator evaluator, SieveScript script, List<MimeMessage> parsed, List<byte[]> raw)
    {
        for (var i = 0; i < parsed.Count; i++)
        {
            evaluator.Evaluate(script, parsed[i], raw[i].Length);
        }
    }

    // The least CPU time of the passes (after a warm-up pass) and the allocations of one pass, per message.
    private static Cost Best(int runs, int count, Action pass)
    {
        pass();
        var best = TimeSpan.MaxValue;
        var bytes = 0L;
        using var process = Process.GetCurrentProcess();
        for (var r = 0; r < runs; r++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            pass();
            bytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
            process.Refresh();
            var used = process.TotalProcessorTime - cpu;
            if (used < best)
            {
                best = used;
            }
        }

        return new Cost(best.TotalMilliseconds * 1000 / count, (double)bytes / count);
    }

    private readonly record struct Cost(double Micros, double Bytes);
}

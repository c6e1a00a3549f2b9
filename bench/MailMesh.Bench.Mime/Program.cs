using System.Globalization;
using MailMesh.Bench.Mime;

// MIME benchmark: structure parse, full parse with decoding, headers-only; over the public corpus
// and a synthetic 10,000-message mbox; compared in the same run with postal-mime on Node.
// Usage: dotnet run -c Release --project bench/MailMesh.Bench.Mime -- [--seconds N] [--no-peer]
// Single measurements: --alloc, --cpu, --steps, --profile, --loop-mbox SECONDS (mbox full+decode only),
// --cpu-mbox PASSES (thread and process CPU per mbox full+decode pass: best and median, for A/B of builds).
var seconds = 3.0;
var peer = true;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--seconds" && i + 1 < args.Length)
    {
        seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
    }
    else if (args[i] == "--no-peer")
    {
        peer = false;
    }
    else if (args[i] == "--alloc")
    {
        Allocations.Run(Workloads.LoadCorpus(Workloads.FindRepoRoot()), Workloads.SyntheticMbox(10_000, seed: 42));
        return;
    }
    else if (args[i] == "--cpu")
    {
        CpuTime.Run(Workloads.LoadCorpus(Workloads.FindRepoRoot()), passes: 7);
        return;
    }
    else if (args[i] == "--steps")
    {
        Steps.Run(Workloads.SyntheticMbox(10_000, seed: 42), passes: 5);
        return;
    }
    else if (args[i] == "--loop-mbox" && i + 1 < args.Length)
    {
        // For an external profiler (perf with DOTNET_PerfMapEnabled=1): only the mbox full+decode pass, for N seconds.
        var r = Runner.Mbox("mbox", "full+decode", Workloads.SyntheticMbox(10_000, seed: 42), Modes.Full, double.Parse(args[++i], CultureInfo.InvariantCulture));
        Console.WriteLine($"mbox full+decode: {r.MegabytesPerSecond:F1} MB/s, {r.MessagesPerSecond:F0} msgs/s, {r.AllocatedPerMessage:F0} B/msg");
        return;
    }
    else if (args[i] == "--cpu-mbox" && i + 1 < args.Length)
    {
        CpuTime.RunMbox(Workloads.SyntheticMbox(10_000, seed: 42), int.Parse(args[++i], CultureInfo.InvariantCulture));
        return;
    }
    else if (args[i] == "--profile")
    {
        Profile.Run(Workloads.LoadCorpus(Workloads.FindRepoRoot()));
        return;
    }
}

var repo = Workloads.FindRepoRoot();
var corpus = Workloads.LoadCorpus(repo);
var mbox = Workloads.SyntheticMbox(10_000, seed: 42);
var work = Path.Combine(Path.GetTempPath(), "mailmesh-mime-bench");
Directory.CreateDirectory(work);
var mboxPath = Path.Combine(work, "synthetic.mbox");
File.WriteAllBytes(mboxPath, mbox);

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}");
var results = new List<Result>();
if (corpus.Files.Count > 0)
{
    Console.WriteLine($"corpus: {corpus.Files.Count} files, {corpus.Bytes / 1e6:F1} MB from {corpus.Root}");
    results.Add(Runner.Corpus("corpus", "structure", corpus.Data, Modes.Structure, seconds));
    results.Add(Runner.Corpus("corpus", "full+decode", corpus.Data, Modes.Full, seconds));
    results.Add(Runner.Corpus("corpus", "headers-only", corpus.Data, Modes.HeadersOnly, seconds));
}
else
{
    Console.WriteLine("corpus: absent (../shared/corpus or MAILMESH_SHARED_DIR); corpus runs skipped");
}

Console.WriteLine($"synthetic mbox: 10000 messages, {mbox.Length / 1e6:F1} MB");
results.Add(Runner.Mbox("mbox", "structure", mbox, Modes.Structure, seconds));
results.Add(Runner.Mbox("mbox", "headers-only", mbox, Modes.HeadersOnly, seconds));

// The mbox full+decode comparison runs B A A B (postal-mime, MailMesh, MailMesh, postal-mime), and each
// MailMesh run lasts as long as postal-mime's first run took (it always finishes a whole pass of
// 10,000 messages, 10-30 s here), so that both sides are averaged over the same stretches of the
// machine's changing load. Both parse the same 10,000 messages, so the ratio is one of messages per
// second (the byte counts differ by the From_ lines, which postal-mime never sees: it gets the
// messages split at them).
var peerAvailable = peer && Directory.Exists(Path.Combine(repo, "bench", "mime-peer", "node_modules", "postal-mime"));
var listPath = Path.Combine(work, "corpus-files.txt");
File.WriteAllLines(listPath, corpus.Files);
var peerMbox = new List<PeerResult>();
var oursSeconds = seconds;
if (peerAvailable)
{
    peerMbox.AddRange(Peer.Run(repo, listPath, mboxPath, seconds, "mbox")!);
    oursSeconds = Math.Max(seconds, peerMbox[0].Seconds);
}

var oursFirst = Runner.Mbox("mbox", "full+decode", mbox, Modes.Full, oursSeconds);
var oursSecond = Runner.Mbox("mbox", "full+decode", mbox, Modes.Full, oursSeconds);
if (peerAvailable)
{
    peerMbox.AddRange(Peer.Run(repo, listPath, mboxPath, seconds, "mbox")!);
}

results.Add(new Result("mbox", "full+decode", (oursFirst.MegabytesPerSecond + oursSecond.MegabytesPerSecond) / 2,
    (oursFirst.MessagesPerSecond + oursSecond.MessagesPerSecond) / 2, (oursFirst.AllocatedPerMessage + oursSecond.AllocatedPerMessage) / 2,
    (oursFirst.GcPausePercent + oursSecond.GcPausePercent) / 2, (oursFirst.CpuMicrosPerMessage + oursSecond.CpuMicrosPerMessage) / 2));

Console.WriteLine();
Console.WriteLine($"{"set",-7} {"mode",-13} {"MB/s",9} {"msgs/s",10} {"alloc B/msg",12} {"GC pause %",11} {"CPU us/msg",11}");
foreach (var r in results)
{
    Console.WriteLine($"{r.Set,-7} {r.Mode,-13} {r.MegabytesPerSecond,9:F1} {r.MessagesPerSecond,10:F0} {r.AllocatedPerMessage,12:F0} {r.GcPausePercent,11:F1} {r.CpuMicrosPerMessage,11:F2}");
}

if (!peerAvailable)
{
    Console.WriteLine();
    Console.WriteLine(peer ? "peer: postal-mime not run (install with: npm ci --prefix bench/mime-peer)" : "peer: skipped (--no-peer)");
    return;
}

Console.WriteLine();
if (corpus.Files.Count > 0)
{
    var p = Peer.Run(repo, listPath, mboxPath, seconds, "corpus")![0];
    var ours = results.First(r => r.Set == "corpus" && r.Mode == "full+decode");
    Console.WriteLine($"postal-mime corpus full parse: {p.MegabytesPerSecond,8:F1} MB/s {p.MessagesPerSecond,9:F0} msgs/s (failures {p.Failures}) -> MailMesh full+decode is {ours.MessagesPerSecond / p.MessagesPerSecond:F1}x");
    Console.WriteLine($"  CPU per corpus pass ({corpus.Files.Count} files): MailMesh {ours.CpuMicrosPerMessage * corpus.Files.Count / 1e3:F1} ms, postal-mime {p.CpuMicrosPerMessage * corpus.Files.Count / 1e3:F1} ms " +
        $"-> CPU-time ratio {p.CpuMicrosPerMessage / ours.CpuMicrosPerMessage:F1}x (wall ratio {ours.MessagesPerSecond / p.MessagesPerSecond:F1}x)");
}

var peerRate = peerMbox.Average(p => p.MessagesPerSecond);
var oursRate = results.First(r => r.Set == "mbox" && r.Mode == "full+decode").MessagesPerSecond;
Console.WriteLine($"mbox full+decode, B A A B: postal-mime {peerMbox[0].MessagesPerSecond:F0} msgs/s ({peerMbox[0].Seconds:F1} s), MailMesh {oursFirst.MessagesPerSecond:F0} and {oursSecond.MessagesPerSecond:F0} msgs/s ({oursSeconds:F1} s each), " +
    $"postal-mime {peerMbox[1].MessagesPerSecond:F0} msgs/s ({peerMbox[1].Seconds:F1} s); postal-mime failures {peerMbox.Sum(p => p.Failures)}");
Console.WriteLine($"postal-mime mbox    full parse: {peerMbox.Average(p => p.MegabytesPerSecond),8:F1} MB/s {peerRate,9:F0} msgs/s -> MailMesh full+decode is {oursRate / peerRate:F1}x (halves: {oursFirst.MessagesPerSecond / peerMbox[0].MessagesPerSecond:F1}x, {oursSecond.MessagesPerSecond / peerMbox[1].MessagesPerSecond:F1}x)");
var oursCpu = results.First(r => r.Set == "mbox" && r.Mode == "full+decode").CpuMicrosPerMessage;
var peerCpu = peerMbox.Average(p => p.CpuMicrosPerMessage);
Console.WriteLine($"  CPU per mbox pass (10,000 messages, process user+sys): MailMesh {oursCpu * 10:F1} ms ({oursFirst.CpuMicrosPerMessage * 10:F1}, {oursSecond.CpuMicrosPerMessage * 10:F1}), " +
    $"postal-mime {peerCpu * 10:F1} ms ({peerMbox[0].CpuMicrosPerMessage * 10:F1}, {peerMbox[1].CpuMicrosPerMessage * 10:F1}) -> CPU-time ratio {peerCpu / oursCpu:F1}x (wall ratio {oursRate / peerRate:F1}x)");

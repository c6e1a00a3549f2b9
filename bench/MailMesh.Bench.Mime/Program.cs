using System.Globalization;
using MailMesh.Bench.Mime;

// MIME benchmark: structure parse, full parse with decoding, headers-only; over the public corpus
// and a synthetic 10,000-message mbox; compared in the same run with postal-mime on Node.
// Usage: dotnet run -c Release --project bench/MailMesh.Bench.Mime -- [--seconds N] [--no-peer]
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
results.Add(Runner.Mbox("mbox", "full+decode", mbox, Modes.Full, seconds));
results.Add(Runner.Mbox("mbox", "headers-only", mbox, Modes.HeadersOnly, seconds));

Console.WriteLine();
Console.WriteLine($"{"set",-7} {"mode",-13} {"MB/s",9} {"msgs/s",10} {"alloc B/msg",12}");
foreach (var r in results)
{
    Console.WriteLine($"{r.Set,-7} {r.Mode,-13} {r.MegabytesPerSecond,9:F1} {r.MessagesPerSecond,10:F0} {r.AllocatedPerMessage,12:F0}");
}

if (peer)
{
    var listPath = Path.Combine(work, "corpus-files.txt");
    File.WriteAllLines(listPath, corpus.Files);
    var peerResults = Peer.Run(repo, listPath, mboxPath, seconds);
    Console.WriteLine();
    if (peerResults is null)
    {
        Console.WriteLine("peer: postal-mime not run (install with: npm ci --prefix bench/mime-peer)");
    }
    else
    {
        foreach (var p in peerResults)
        {
            var ours = results.FirstOrDefault(r => r.Set == p.Name && r.Mode == "full+decode");
            var ratio = ours is null ? double.NaN : ours.MegabytesPerSecond / p.MegabytesPerSecond;
            Console.WriteLine($"postal-mime {p.Name,-7} full parse: {p.MegabytesPerSecond,8:F1} MB/s {p.MessagesPerSecond,9:F0} msgs/s (failures {p.Failures}) -> MailMesh full+decode is {ratio:F1}x");
        }
    }
}

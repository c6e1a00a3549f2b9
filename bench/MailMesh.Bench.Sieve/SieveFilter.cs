using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MailMesh.Bench.Sieve;

/// <summary>Runs Pigeonhole's sieve-filter (without -e: decides, executes nothing) over the messages in a Maildir,
/// as nobody when started as root; returns per run the messages/s and the CPU time (user + system) its process
/// tree used, read with getrusage(RUSAGE_CHILDREN) around the run; or null when it is not installed.</summary>
internal static partial class SieveFilter
{
    private const string Binary = "/usr/bin/sieve-filter";

    public static async Task<List<(double Rate, TimeSpan Cpu)>?> RunAsync(IReadOnlyList<byte[]> messages, string script, int runs)
    {
        if (!File.Exists(Binary))
        {
            return null;
        }

        var root = Path.Combine(Path.GetTempPath(), "mailmesh-bench-sieve-" + Environment.ProcessId);
        var maildir = Path.Combine(root, "Maildir");
        foreach (var sub in new[] { "cur", "new", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(maildir, sub));
        }

        for (var i = 0; i < messages.Count; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(maildir, "cur", $"{1_700_000_000 + i}.M{i}P1.bench:2,S"), messages[i]);
        }

        var scriptPath = Path.Combine(root, "rules.sieve");
        await File.WriteAllTextAsync(scriptPath, script);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("/usr/bin/chown", ["-R", "nobody:nogroup", root]);
        }

        var rates = new List<(double Rate, TimeSpan Cpu)>();
        try
        {
            // The first run builds Dovecot's index for the Maildir; like MailMesh's warm-up pass it is not counted.
            for (var run = 0; run <= runs; run++)
            {
                var cpu = ChildrenCpu();
                var watch = Stopwatch.StartNew();
                var args = new List<string> { "-o", $"mail_location=maildir:{maildir}", scriptPath, "INBOX" };
                var (exit, error) = asRoot ? await RunAsync("/usr/sbin/runuser", ["-u", "nobody", "--", Binary, .. args]) : await RunAsync(Binary, args);
                if (exit != 0)
                {
                    throw new InvalidOperationException($"sieve-filter failed (exit {exit}): {error}");
                }

                if (run > 0)
                {
                    rates.Add((messages.Count / watch.Elapsed.TotalSeconds, ChildrenCpu() - cpu));
                }
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        return rates;
    }

    // User + system time of every waited-for descendant (sieve-filter, and runuser around it).
    private static TimeSpan ChildrenCpu()
    {
        if (GetRusage(RusageChildren, out var usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return TimeSpan.FromMicroseconds((usage.UserSeconds + usage.SystemSeconds) * 1_000_000.0 + usage.UserMicros + usage.SystemMicros);
    }

    private const int RusageChildren = -1;

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, out Rusage usage);

    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicros;
        public long SystemSeconds;
        public long SystemMicros;
        public long MaxRss;
        public long IxRss;
        public long IdRss;
        public long IsRss;
        public long MinFlt;
        public long MajFlt;
        public long NSwap;
        public long InBlock;
        public long OuBlock;
        public long MsgSnd;
        public long MsgRcv;
        public long NSignals;
        public long NVcsw;
        public long NIvcsw;
    }

    private static async Task<(int Exit, string Error)> RunAsync(string file, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await output;
        return (process.ExitCode, await error);
    }
}

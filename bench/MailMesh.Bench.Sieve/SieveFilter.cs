using System.Diagnostics;

namespace MailMesh.Bench.Sieve;

/// <summary>Runs Pigeonhole's sieve-filter (without -e: decides, executes nothing) over the messages in a Maildir,
/// as nobody when started as root; returns messages/s per run, or null when it is not installed.</summary>
internal static class SieveFilter
{
    private const string Binary = "/usr/bin/sieve-filter";

    public static async Task<List<double>?> RunAsync(IReadOnlyList<byte[]> messages, string script, int runs)
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

        var rates = new List<double>();
        try
        {
            // The first run builds Dovecot's index for the Maildir; like MailMesh's warm-up pass it is not counted.
            for (var run = 0; run <= runs; run++)
            {
                var watch = Stopwatch.StartNew();
                var args = new List<string> { "-o", $"mail_location=maildir:{maildir}", scriptPath, "INBOX" };
                var (exit, error) = asRoot ? await RunAsync("/usr/sbin/runuser", ["-u", "nobody", "--", Binary, .. args]) : await RunAsync(Binary, args);
                if (exit != 0)
                {
                    throw new InvalidOperationException($"sieve-filter failed (exit {exit}): {error}");
                }

                if (run > 0)
                {
                    rates.Add(messages.Count / watch.Elapsed.TotalSeconds);
                }
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        return rates;
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

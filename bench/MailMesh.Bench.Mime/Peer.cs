using System.Diagnostics;
using System.Text.Json;

namespace MailMesh.Bench.Mime;

/// <summary>One postal-mime run; <paramref name="CpuMicrosPerMessage"/> is Node's process CPU time (user + system, process.cpuUsage) per message.</summary>
internal sealed record PeerResult(string Name, double MegabytesPerSecond, double MessagesPerSecond, int Failures, double Seconds = 0, double CpuMicrosPerMessage = 0);

/// <summary>Runs postal-mime (bench/mime-peer/bench.mjs) on Node over the same files.</summary>
internal static class Peer
{
    public static List<PeerResult>? Run(string repo, string listPath, string mboxPath, double seconds, string sets = "corpus,mbox")
    {
        var dir = Path.Combine(repo, "bench", "mime-peer");
        if (!Directory.Exists(Path.Combine(dir, "node_modules", "postal-mime")))
        {
            return null;
        }

        var start = new ProcessStartInfo("node", ["bench.mjs", listPath, mboxPath, seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), sets])
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"postal-mime peer failed with exit code {process.ExitCode}: {stderr}");
        }

        using var doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        return doc.RootElement.EnumerateArray().Select(e =>
        {
            var secs = e.GetProperty("seconds").GetDouble();
            return new PeerResult(
                e.GetProperty("name").GetString()!,
                e.GetProperty("bytes").GetDouble() / secs / 1e6,
                e.GetProperty("messages").GetDouble() / secs,
                e.GetProperty("failures").GetInt32(),
                secs,
                e.GetProperty("cpuSeconds").GetDouble() * 1e6 / e.GetProperty("messages").GetDouble());
        }).ToList();
    }
}

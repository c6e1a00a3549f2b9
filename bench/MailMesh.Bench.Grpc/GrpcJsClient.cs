using System.Diagnostics;
using System.Text.Json;

namespace MailMesh.Bench.Grpc;

/// <summary>Runs node/grpcjs-client.js (@grpc/grpc-js from tests/node) against the benchmark server.</summary>
internal static class GrpcJsClient
{
    /// <summary>One measured target: calls per second and latency percentiles in ms.</summary>
    public sealed record Result(string Path, double Rate, double P50, double P99);

    /// <summary>Why the grpc-js client cannot run here (node or the npm packages missing), or null.</summary>
    public static string? Problem(string repositoryRoot)
    {
        if (FindNode() is null)
        {
            return "node is not on PATH (scripts/install-deps.sh installs Node.js)";
        }

        var modules = Modules(repositoryRoot);
        foreach (var package in new[] { "@grpc/grpc-js", "@grpc/proto-loader" })
        {
            if (!Directory.Exists(Path.Combine(modules, package)))
            {
                return $"{package} is not installed in {modules}; run scripts/install-deps.sh (npm ci in tests/node)";
            }
        }

        return null;
    }

    /// <summary>Warms up, then measures each path in turn for <paramref name="seconds"/>.</summary>
    public static async Task<IReadOnlyList<Result>> RunAsync(
        string repositoryRoot, Uri address, double seconds, int concurrency, int payloadBytes, params string[] paths)
    {
        var start = new ProcessStartInfo(FindNode()!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(repositoryRoot, "bench", "MailMesh.Bench.Grpc", "node", "grpcjs-client.js"));
        start.ArgumentList.Add($"{address.Host}:{address.Port}");
        start.ArgumentList.Add(seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(payloadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var path in paths)
        {
            start.ArgumentList.Add(path);
        }

        start.Environment["MAILMESH_NODE_MODULES"] = Modules(repositoryRoot);
        start.Environment["MAILMESH_BENCH_PROTO"] = Path.Combine(repositoryRoot, "bench", "MailMesh.Bench.Grpc", "bench.proto");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds((paths.Length * (seconds + 2)) + 60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the grpc-js client did not finish in time; stderr: {await stderr}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the grpc-js client exited with {process.ExitCode}: {await stderr}");
        }

        var results = new List<Result>();
        foreach (var line in (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var json = JsonDocument.Parse(line).RootElement;
            results.Add(new Result(
                json.GetProperty("path").GetString()!,
                json.GetProperty("calls").GetDouble() / json.GetProperty("seconds").GetDouble(),
                json.GetProperty("p50").GetDouble(),
                json.GetProperty("p99").GetDouble()));
        }

        return results;
    }

    /// <summary>The repository root (the folder holding MailMesh.sln) above the program or the current directory.</summary>
    public static string? FindRepositoryRoot()
    {
        foreach (var startDir in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(startDir); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "MailMesh.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    private static string Modules(string repositoryRoot) => Path.Combine(repositoryRoot, "tests", "node", "node_modules");

    private static string? FindNode() =>
        Environment.GetEnvironmentVariable("PATH")?
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "node"))
            .FirstOrDefault(File.Exists);
}

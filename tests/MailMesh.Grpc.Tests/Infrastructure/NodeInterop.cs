using System.Diagnostics;
using System.Text.Json;

namespace MailMesh.Grpc.Tests.Infrastructure;

/// <summary>
/// Runs the interop scripts under <c>interop/</c> with Node.js and the packages installed in
/// <c>tests/node</c>. When either is missing the tests skip with the reason, unless
/// <c>MAILMESH_TEST_SERVERS=required</c>, when they fail instead.
/// </summary>
public static class NodeInterop
{
    private static readonly Lazy<(string? Node, string? Modules, string? Problem)> Location = new(Locate);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static bool Required =>
        string.Equals(Environment.GetEnvironmentVariable("MAILMESH_TEST_SERVERS"), "required", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why interop tests cannot run here, or null.</summary>
    public static string? Problem => Location.Value.Problem;

    /// <summary>Runs one scenario of interop/client.js against <paramref name="address"/> and parses its JSON output.</summary>
    public static async Task<JsonElement> RunAsync(Uri address, string scenario, params string[] arguments)
    {
        var (node, modules, problem) = Location.Value;
        if (problem is not null)
        {
            throw new InvalidOperationException(problem + " (MAILMESH_TEST_SERVERS=required, so this fails instead of being skipped.)");
        }

        var start = new ProcessStartInfo(node!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot, "tests", "MailMesh.Grpc.Tests", "interop", "client.js"));
        start.ArgumentList.Add($"{address.Host}:{address.Port}");
        start.ArgumentList.Add(scenario);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["MAILMESH_NODE_MODULES"] = modules;
        start.Environment["MAILMESH_PROTO_ROOT"] = Path.Combine(RepositoryRoot, "protos");
        start.Environment["MAILMESH_TEST_PROTO_ROOT"] = Path.Combine(RepositoryRoot, "tests", "MailMesh.Grpc.Tests", "Protos");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node interop scenario '{scenario}' did not finish within 30 s; stderr: {await stderr}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node interop scenario '{scenario}' exited with {process.ExitCode}: {await stderr}");
        }

        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }

    private static (string? Node, string? Modules, string? Problem) Locate()
    {
        var node = Environment.GetEnvironmentVariable("PATH")?
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "node"))
            .FirstOrDefault(File.Exists);
        if (node is null)
        {
            return (null, null, "node is not on PATH; install Node.js (scripts/install-deps.sh does)");
        }

        var modules = Path.Combine(RepositoryRoot, "tests", "node", "node_modules");
        foreach (var package in new[] { "@grpc/grpc-js", "@grpc/proto-loader", "protobufjs" })
        {
            if (!Directory.Exists(Path.Combine(modules, package)))
            {
                return (node, null, $"{package} is not installed in {modules}; run scripts/install-deps.sh (npm ci in tests/node)");
            }
        }

        return (node, modules, null);
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MailMesh.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"MailMesh.sln not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>A fact that needs Node.js and the gRPC packages: skipped with the reason when they are missing, unless required.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (NodeInterop.Problem is { } problem && !NodeInterop.Required)
        {
            Skip = problem;
        }
    }
}

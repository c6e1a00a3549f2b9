using System.Diagnostics;
using System.Globalization;
using MailMesh.Testing;

namespace MailMesh.Cluster.Tests.Processes;

/// <summary>A RabbitMQ node of the test's own, started by <c>scripts/cluster-rabbitmq.sh</c> on free loopback ports
/// with its own data directory and epmd, so the test can restart it without touching the broker other tests share.
/// Dispose stops it (by its process ids) and removes its directory.</summary>
public sealed class PrivateRabbitMq : IAsyncDisposable
{
    /// <summary>How long the script may take: a node boots in 10 s on a quiet machine and took over 100 s under load.</summary>
    public static readonly TimeSpan ScriptPatience = TimeSpan.FromSeconds(330);
    private readonly string _name;
    private readonly string _directory;

    private PrivateRabbitMq(string name, string directory, Uri uri)
    {
        _name = name;
        _directory = directory;
        Uri = uri;
    }

    /// <summary>The node's AMQP URI (user mailtest, vhost mailmesh).</summary>
    public Uri Uri { get; }

    public static string Script => Path.Combine(RepositoryRoot(), "scripts", "cluster-rabbitmq.sh");

    public static async Task<PrivateRabbitMq> StartAsync()
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..10];
        var directory = Path.Combine(Path.GetTempPath(), "mailmesh-rabbitmq-" + name);
        var ports = new[] { Loopback.FreePort(), Loopback.FreePort(), Loopback.FreePort() };
        var environment = new Dictionary<string, string>
        {
            ["MAILMESH_RABBITMQ_DIR"] = directory,
            ["MAILMESH_RABBITMQ_PORT"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["MAILMESH_RABBITMQ_DIST_PORT"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["MAILMESH_RABBITMQ_EPMD_PORT"] = ports[2].ToString(CultureInfo.InvariantCulture),
        };
        string output;
        try
        {
            output = await RunAsync(environment, "up", name);
        }
        catch
        {
            await RunAsync(environment, "down", name);
            throw;
        }

        var uri = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().Trim();
        return new PrivateRabbitMq(name, directory, new Uri(uri));
    }

    /// <summary><c>rabbitmqctl stop_app</c>: the broker closes every connection and stops its queues (durable queues
    /// and persistent messages stay; transient messages are gone).</summary>
    public Task StopAppAsync() => RunAsync(Environment(), "stop-app", _name);

    /// <summary><c>rabbitmqctl start_app</c>, returning once the broker serves again.</summary>
    public Task StartAppAsync() => RunAsync(Environment(), "start-app", _name);

    public async ValueTask DisposeAsync()
    {
        await RunAsync(Environment(), "down", _name);
        Directory.Delete(_directory, recursive: true);
    }

    private Dictionary<string, string> Environment() => new() { ["MAILMESH_RABBITMQ_DIR"] = _directory };

    private static async Task<string> RunAsync(IReadOnlyDictionary<string, string> environment, string command, string name)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(command);
        start.ArgumentList.Add(name);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not run {Script} {command} {name}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(ScriptPatience);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Waited {ScriptPatience.TotalSeconds} s for '{Script} {command} {name}':\n{await stderr}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{Script} {command} {name}' exited with {process.ExitCode}:\n{await stderr}\n{await stdout}");
        }

        return await stdout;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MailMesh.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"MailMesh.sln not found above {AppContext.BaseDirectory}: run the tests from a checkout.");
    }
}

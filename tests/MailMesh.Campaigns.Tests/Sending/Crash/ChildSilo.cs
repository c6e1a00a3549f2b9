using MailMesh.Testing;

namespace MailMesh.Campaigns.Tests.Sending.Crash;

/// <summary>The crash host in its own process (this test assembly started with itself as startup hook); killed by its
/// own process id only.</summary>
internal sealed class ChildSilo : IAsyncDisposable
{
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _sentEnough = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _killAfter;
    private ChildProcess? _process;
    private int _sent;

    private ChildSilo(int killAfter)
    {
        _killAfter = killAfter;
    }

    public int Sent => Volatile.Read(ref _sent);

    public string Output => Process.Output;

    public Task SentEnough => _sentEnough.Task;

    public Task Completed => _completed.Task;

    private ChildProcess Process => _process ?? throw new InvalidOperationException("The crash host was not started.");

    /// <summary>Starts the host on <paramref name="directory"/>; <see cref="SentEnough"/> completes after
    /// <paramref name="killAfter"/> SENT lines.</summary>
    public static ChildSilo Start(string directory, int killAfter)
    {
        var assembly = typeof(ChildSilo).Assembly.Location;
        var child = new ChildSilo(killAfter);
        var start = new ChildProcessStart("the crash host process", assembly)
        {
            Environment = new Dictionary<string, string>
            {
                ["DOTNET_STARTUP_HOOKS"] = assembly,
                [CrashHost.DirectoryVariable] = directory,
            },
            OutputLimit = 100_000,
        };
        child._process = ChildProcess.Start(start, child.OnLine, (process, exitCode) =>
        {
            var failure = new InvalidOperationException($"the crash host exited with code {exitCode}:\n{process.Output}");
            child._sentEnough.TrySetException(failure);
            if (exitCode != 0)
            {
                child._completed.TrySetException(failure);
            }
        });
        return child;
    }

    /// <summary>SIGKILL: nothing is flushed or handed over.</summary>
    public Task KillAsync() => Process.KillAsync();

    public Task WaitForExitAsync(TimeSpan patience) => Process.WaitForExitAsync(patience, "the crash host to exit after COMPLETED");

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    /// <summary>Counts the SENT lines (not kept) and takes COMPLETED; keeps every other line in the output.</summary>
    private bool OnLine(string line)
    {
        if (line.StartsWith("SENT ", StringComparison.Ordinal))
        {
            if (Interlocked.Increment(ref _sent) >= _killAfter)
            {
                _sentEnough.TrySetResult();
            }

            return false;
        }

        if (line == "COMPLETED")
        {
            _completed.TrySetResult();
        }

        return true;
    }
}

using System.Diagnostics;
using System.Text;

namespace MailMesh.Campaigns.Tests.Sending.Crash;

/// <summary>The crash host in its own process (this test assembly started with itself as startup hook); killed by its
/// own process id only.</summary>
internal sealed class ChildSilo : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _sentEnough = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _killAfter;
    private int _sent;

    private ChildSilo(Process process, int killAfter)
    {
        _process = process;
        _killAfter = killAfter;
    }

    public int Sent => Volatile.Read(ref _sent);

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the host on <paramref name="directory"/>; <see cref="SentEnough"/> completes after
    /// <paramref name="killAfter"/> SENT lines.</summary>
    public static ChildSilo Start(string directory, int killAfter)
    {
        var assembly = typeof(ChildSilo).Assembly.Location;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(assembly);
        start.Environment["DOTNET_STARTUP_HOOKS"] = assembly;
        start.Environment[CrashHost.DirectoryVariable] = directory;
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the crash host process.");
        var child = new ChildSilo(process, killAfter);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            var failure = new InvalidOperationException($"the crash host exited with code {process.ExitCode}:\n{child.Output}");
            child._sentEnough.TrySetException(failure);
            if (process.ExitCode != 0)
            {
                child._completed.TrySetException(failure);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public Task SentEnough => _sentEnough.Task;

    public Task Completed => _completed.Task;

    /// <summary>SIGKILL: nothing is flushed or handed over.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async Task WaitForExitAsync(TimeSpan patience)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"waited {patience.TotalSeconds} s for the crash host to exit after COMPLETED:\n{Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.StartsWith("SENT ", StringComparison.Ordinal))
        {
            if (Interlocked.Increment(ref _sent) >= _killAfter)
            {
                _sentEnough.TrySetResult();
            }

            return;
        }

        if (line == "COMPLETED")
        {
            _completed.TrySetResult();
        }

        lock (_output)
        {
            if (_output.Length < 100_000)
            {
                _output.AppendLine(line);
            }
        }
    }
}

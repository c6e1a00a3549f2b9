using System.Diagnostics;
using System.Text;

namespace MailMesh.Cluster.Tests.Processes;

/// <summary>A silo running as its own process (this test assembly with the <c>silo</c> argument, or <c>host</c> for the
/// product silo): started, killed with SIGKILL, paused with SIGSTOP/SIGCONT or stopped with SIGTERM, always by its own
/// process id.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(string Line, TaskCompletionSource Seen)> _awaitedLines = [];
    private ShardMapReport? _shardMap;
    private TaskCompletionSource _shardMapChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(string id, Process process)
    {
        Id = id;
        _process = process;
    }

    public string Id { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The shard map the silo last reported (<see cref="ShardMapReporter"/>); null before the first.</summary>
    public ShardMapReport? ShardMap
    {
        get
        {
            lock (_output)
            {
                return _shardMap;
            }
        }
    }

    /// <summary>Completes at the silo's next shard map report, or when it exits.</summary>
    public Task ShardMapChanged
    {
        get
        {
            lock (_output)
            {
                return _shardMapChanged.Task;
            }
        }
    }

    /// <summary>What the silo printed (warnings and errors), for failure messages.</summary>
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

    /// <param name="arguments">The program's arguments (<see cref="Program"/>); <c>silo</c> when not given.</param>
    public static async Task<SiloProcess> StartAsync(string id, IReadOnlyDictionary<string, string> environment, TimeSpan patience, IReadOnlyList<string>? arguments = null)
    {
        var assembly = typeof(SiloProcess).Assembly.Location;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(assembly)!,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments ?? ["silo"])
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["CHAOS_SILO_ID"] = id;
        start.Environment["DOTNET_TieredPGO"] = "0";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start the silo process {id}.");
        var silo = new SiloProcess(id, process);
        process.OutputDataReceived += (_, e) => silo.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => silo.OnLine(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) =>
        {
            silo._ready.TrySetException(new InvalidOperationException(
                $"The silo process {id} exited with code {process.ExitCode} before it was ready:\n{silo.Output}"));
            silo.SignalShardMapChanged();
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await silo._ready.Task.WaitAsync(patience);
        }
        catch (TimeoutException)
        {
            await silo.DisposeAsync();
            throw new TimeoutException($"Waited {patience.TotalSeconds} s for the silo process {id} to print READY:\n{silo.Output}");
        }

        return silo;
    }

    /// <summary>SIGKILL: the process dies at once, nothing is handed over or flushed.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGSTOP: the process stops running (its sockets stay open) until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>SIGCONT.</summary>
    public Task ResumeAsync() => SignalAsync("CONT");

    /// <summary>SIGTERM, then waits for the graceful shutdown to end.</summary>
    public async Task StopAsync(TimeSpan patience)
    {
        await SignalAsync("TERM");
        try
        {
            await _process.WaitForExitAsync().WaitAsync(patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {patience.TotalSeconds} s for silo {Id} to shut down after SIGTERM:\n{Output}");
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

        if (line == "READY")
        {
            _ready.TrySetResult();
            return;
        }

        var shardMap = ShardMapReporter.Parse(line);
        lock (_output)
        {
            if (shardMap is not null)
            {
                _shardMap = shardMap;
            }

            if (_output.Length < 200_000)
            {
                _output.AppendLine(line);
            }

            foreach (var (awaited, seen) in _awaitedLines)
            {
                if (line.Contains(awaited, StringComparison.Ordinal))
                {
                    seen.TrySetResult();
                }
            }
        }

        if (shardMap is not null)
        {
            SignalShardMapChanged();
        }
    }

    private void SignalShardMapChanged()
    {
        TaskCompletionSource changed;
        lock (_output)
        {
            changed = _shardMapChanged;
            _shardMapChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>Completes when the process prints a line containing <paramref name="text"/> (from now on).</summary>
    public async Task WaitForLineAsync(string text, TimeSpan patience)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            _awaitedLines.Add((text, seen));
        }

        try
        {
            await seen.Task.WaitAsync(patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {patience.TotalSeconds} s for silo {Id} to print '{text}':\n{Output}");
        }
    }

    /// <summary>Waits for the process to end by itself.</summary>
    public async Task WaitForExitAsync(TimeSpan patience, string why)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {patience.TotalSeconds} s for silo {Id} to exit ({why}):\n{Output}");
        }
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })
            ?? throw new InvalidOperationException($"Could not run kill -{signal} {_process.Id}.");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {_process.Id} (silo {Id}) exited with {kill.ExitCode}.");
        }
    }
}

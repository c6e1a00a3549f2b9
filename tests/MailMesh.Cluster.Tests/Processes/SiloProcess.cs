using MailMesh.Testing;

namespace MailMesh.Cluster.Tests.Processes;

/// <summary>A silo running as its own process (this test assembly with the <c>silo</c> argument, or <c>host</c> for the
/// product silo): started, killed with SIGKILL, paused with SIGSTOP/SIGCONT or stopped with SIGTERM, always by its own
/// process id.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(string Line, TaskCompletionSource Seen)> _awaitedLines = [];
    private ChildProcess? _process;
    private ShardMapReport? _shardMap;
    private TaskCompletionSource _shardMapChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(string id)
    {
        Id = id;
    }

    public string Id { get; }

    public int ProcessId => Process.Id;

    public bool HasExited => Process.HasExited;

    /// <summary>The shard map the silo last reported (<see cref="ShardMapReporter"/>); null before the first.</summary>
    public ShardMapReport? ShardMap
    {
        get
        {
            lock (_gate)
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
            lock (_gate)
            {
                return _shardMapChanged.Task;
            }
        }
    }

    /// <summary>What the silo printed (warnings and errors), for failure messages.</summary>
    public string Output => Process.Output;

    private ChildProcess Process => _process ?? throw new InvalidOperationException($"The silo process {Id} was not started.");

    /// <param name="arguments">The program's arguments (<see cref="Program"/>); <c>silo</c> when not given.</param>
    public static async Task<SiloProcess> StartAsync(string id, IReadOnlyDictionary<string, string> environment, TimeSpan patience, IReadOnlyList<string>? arguments = null)
    {
        var silo = new SiloProcess(id);
        var start = new ChildProcessStart($"the silo process {id}", typeof(SiloProcess).Assembly.Location)
        {
            Arguments = arguments ?? ["silo"],
            Environment = new Dictionary<string, string>(environment)
            {
                ["CHAOS_SILO_ID"] = id,
                ["DOTNET_TieredPGO"] = "0",
            },
        };
        silo._process = ChildProcess.Start(start, silo.OnLine, (process, exitCode) =>
        {
            silo._ready.TrySetException(new InvalidOperationException(
                $"The silo process {id} exited with code {exitCode} before it was ready:\n{process.Output}"));
            silo.SignalShardMapChanged();
        });
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
    public Task KillAsync() => Process.KillAsync();

    /// <summary>SIGSTOP: the process stops running (its sockets stay open) until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync() => Process.SignalAsync("STOP");

    /// <summary>SIGCONT.</summary>
    public Task ResumeAsync() => Process.SignalAsync("CONT");

    /// <summary>SIGTERM, then waits for the graceful shutdown to end.</summary>
    public async Task StopAsync(TimeSpan patience)
    {
        await Process.SignalAsync("TERM");
        await Process.WaitForExitAsync(patience, $"silo {Id} to shut down after SIGTERM");
    }

    /// <summary>Waits for the process to end by itself.</summary>
    public Task WaitForExitAsync(TimeSpan patience, string why) => Process.WaitForExitAsync(patience, $"silo {Id} to exit ({why})");

    /// <summary>Completes when the process prints a line containing <paramref name="text"/> (from now on).</summary>
    public async Task WaitForLineAsync(string text, TimeSpan patience)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
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

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    /// <summary>Takes READY and the shard map reports; keeps every other line in the output.</summary>
    private bool OnLine(string line)
    {
        if (line == "READY")
        {
            _ready.TrySetResult();
            return false;
        }

        var shardMap = ShardMapReporter.Parse(line);
        lock (_gate)
        {
            if (shardMap is not null)
            {
                _shardMap = shardMap;
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

        return true;
    }

    private void SignalShardMapChanged()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _shardMapChanged;
            _shardMapChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}

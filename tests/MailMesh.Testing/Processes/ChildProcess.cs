using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MailMesh.Testing;

/// <summary>A test assembly run again as a process of its own (<c>dotnet exec</c>), for tests that kill, pause or stop
/// a silo: its standard output and error are read line by line and kept, up to a limit, for failure messages. It is
/// signalled and killed by its own process id only, never by name.</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _name;
    private readonly int _outputLimit;
    private readonly StringBuilder _output = new();

    private ChildProcess(Process process, string name, int outputLimit)
    {
        _process = process;
        _name = name;
        _outputLimit = outputLimit;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the process printed (the lines it was told to keep), for failure messages.</summary>
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

    /// <summary>Starts <paramref name="start"/>. Every line the process prints goes to <paramref name="onLine"/> first,
    /// which says whether it is kept in <see cref="Output"/>; <paramref name="onExited"/> runs once it has exited.</summary>
    public static ChildProcess Start(ChildProcessStart start, Func<string, bool> onLine, Action<ChildProcess, int> onExited)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(start.Assembly)!,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(start.Assembly);
        foreach (var argument in start.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in start.Environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {start.Name}.");
        var child = new ChildProcess(process, start.Name, start.OutputLimit);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data, onLine);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data, onLine);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => onExited(child, process.ExitCode);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>SIGKILL: the process dies at once, nothing is handed over or flushed.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>Sends <c>SIG</c><paramref name="signal"/> (<c>STOP</c>, <c>CONT</c>, <c>TERM</c>) to the process.</summary>
    public async Task SignalAsync(string signal)
    {
        var id = _process.Id.ToString(CultureInfo.InvariantCulture);
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, id }, UseShellExecute = false })
            ?? throw new InvalidOperationException($"Could not run kill -{signal} {id}.");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {id} ({_name}) exited with {kill.ExitCode}.");
        }
    }

    /// <summary>Waits for the process to end, failing after <paramref name="patience"/> with
    /// <paramref name="waitingFor"/> and the output.</summary>
    public async Task WaitForExitAsync(TimeSpan patience, string waitingFor)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(patience);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {patience.TotalSeconds} s for {waitingFor}:\n{Output}");
        }
    }

    /// <summary>Kills the process if it still runs.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void OnLine(string? line, Func<string, bool> onLine)
    {
        if (line is null || !onLine(line))
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < _outputLimit)
            {
                _output.AppendLine(line);
            }
        }
    }
}

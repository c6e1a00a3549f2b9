using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>A command running in a <see cref="ContainerRoot"/>: the unshare process the test started, the first process of
/// its PID namespace (the container's PID 1 once the mounts are done and the command is exec'd), and its output lines.</summary>
internal sealed class ContainerProcess : IAsyncDisposable
{
    private readonly Process _unshare;
    private readonly ConcurrentQueue<string> _output = new();

    private ContainerProcess(Process unshare)
    {
        _unshare = unshare;
        _unshare.OutputDataReceived += (_, e) => Collect(e.Data);
        _unshare.ErrorDataReceived += (_, e) => Collect(e.Data);
        _unshare.BeginOutputReadLine();
        _unshare.BeginErrorReadLine();
    }

    /// <summary>The unshare process; its network namespace is the container's.</summary>
    public int Pid => _unshare.Id;

    public bool HasExited => _unshare.HasExited;

    public int ExitCode => _unshare.ExitCode;

    /// <summary>The lines written to stdout and stderr so far.</summary>
    public IReadOnlyList<string> Output => [.. _output];

    public static ContainerProcess Start(string fileName, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new ContainerProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}"));
    }

    /// <summary>The host pid of the container's PID 1 (unshare's one child).</summary>
    public int InitPid()
    {
        var children = File.ReadAllText($"/proc/{Pid}/task/{Pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return children.Length == 1
            ? int.Parse(children[0], CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"unshare {Pid} has {children.Length} children, not the one container process");
    }

    /// <summary>The name of the program PID 1 runs now (after the execs: the entrypoint's).</summary>
    public string InitProgram() => File.ReadAllText($"/proc/{InitPid()}/comm").Trim();

    /// <summary>The host path of <paramref name="path"/> as the container sees it (through /proc/PID/root).</summary>
    public string HostPathOf(string path) => $"/proc/{InitPid()}/root/{path.TrimStart('/')}";

    /// <summary>Sends SIGTERM to PID 1, as the kubelet does when it stops the pod.</summary>
    public void Terminate() => LinuxNative.Terminate(InitPid());

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _unshare.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_unshare.HasExited)
        {
            // unshare --kill-child: the container's processes die with it.
            _unshare.Kill();
            await _unshare.WaitForExitAsync();
        }

        _unshare.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}

using System.Globalization;
using System.Text;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>How a command runs in a <see cref="ContainerRoot"/>.</summary>
/// <param name="Workdir">The working directory inside the root.</param>
/// <param name="Environment">The whole environment (nothing of the test's own is passed on).</param>
/// <param name="User">Null for root; otherwise the uid, gid and supplementary groups, with every capability dropped and
/// no privilege escalation (setpriv), as the pod's securityContext asks.</param>
/// <param name="CacheMounts">Host directories bound read-write into the root (RUN --mount=type=cache).</param>
/// <param name="Volumes">Directories that get an empty writable tmpfs, group-owned by the given gid (a pod volume prepared
/// for its fsGroup).</param>
/// <param name="ReadOnlyRoot">Whether the root filesystem is mounted read-only (readOnlyRootFilesystem).</param>
/// <param name="PodAddress">When set, the command gets a network namespace of its own with loopback and this address,
/// as a pod has; otherwise it shares the host's network (a build step).</param>
internal sealed record ContainerSettings(
    string Workdir,
    IReadOnlyList<KeyValuePair<string, string>> Environment,
    ContainerUser? User = null,
    IReadOnlyList<(string HostPath, string Target)>? CacheMounts = null,
    IReadOnlyList<(string Target, int Gid)>? Volumes = null,
    bool ReadOnlyRoot = false,
    string? PodAddress = null);

/// <summary>A non-root user to run as.</summary>
internal sealed record ContainerUser(int Uid, int Gid, IReadOnlyList<int> SupplementaryGroups);

/// <summary>A stage's root filesystem: a host directory that the stage's files are written into and that commands run in
/// the way a container runtime runs them. Each command gets private mount and PID namespaces (util-linux unshare), the
/// directory as its root (chroot) with the base image's stand-in bound in read-only (<see cref="BaseImageStandIn"/>),
/// /proc and /dev. When the command's first process ends, the kernel ends every other process of its PID namespace (a
/// build server a RUN line left behind, as after a RUN in a Docker build), and nothing mounted for it is visible
/// outside.</summary>
internal sealed class ContainerRoot : IDisposable
{
    private ContainerRoot(string hostPath) => HostPath = hostPath;

    /// <summary>The directory on the host.</summary>
    public string HostPath { get; }

    /// <summary>The host path of <paramref name="path"/> inside the root.</summary>
    public string HostPathOf(string path) => Path.Combine(HostPath, path.TrimStart('/'));

    /// <summary>An empty root with the stand-in's top-level links (/bin → usr/bin …), /proc, /dev, /tmp (1777), /root
    /// (0700) and the .NET images' app user's home directory.</summary>
    public static ContainerRoot Create(string stage)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("a container root needs Linux namespaces");
        }

        var root = new ContainerRoot(Directory.CreateTempSubdirectory($"mailmesh-image-{stage}-").FullName);
        File.SetUnixFileMode(root.HostPath, (UnixFileMode)0b111_101_101);
        foreach (var entry in BaseImageStandIn.TopLevelSystemEntries)
        {
            if (new FileInfo(entry).LinkTarget is { } target)
            {
                File.CreateSymbolicLink(root.HostPathOf(entry), target);
            }
            else if (Directory.Exists(entry))
            {
                Directory.CreateDirectory(root.HostPathOf(entry));
            }
        }

        foreach (var directory in new[] { "/proc", "/dev", "/tmp", "/root" })
        {
            Directory.CreateDirectory(root.HostPathOf(directory));
        }

        File.SetUnixFileMode(root.HostPathOf("/tmp"), (UnixFileMode)0b1_111_111_111);
        File.SetUnixFileMode(root.HostPathOf("/root"), (UnixFileMode)0b111_000_000);
        var home = root.HostPathOf(BaseImageStandIn.HomeOf(BaseImageStandIn.AppUid));
        Directory.CreateDirectory(home);
        LinuxNative.ChangeOwner(home, BaseImageStandIn.AppUid, BaseImageStandIn.AppUid);
        return root;
    }

    /// <summary>Runs <paramref name="command"/> with <c>/bin/sh -c</c> (a RUN line) to completion.</summary>
    public Task<ExternalProcess.Result> RunAsync(string command, ContainerSettings settings, TimeSpan timeout) =>
        ExternalProcess.RunAsync("unshare", UnshareArguments(settings, ["/bin/sh", "-c", command]), timeout);

    /// <summary>Starts <paramref name="arguments"/> (an ENTRYPOINT) and leaves it running.</summary>
    public ContainerProcess Start(IReadOnlyList<string> arguments, ContainerSettings settings) =>
        ContainerProcess.Start("unshare", UnshareArguments(settings, arguments));

    public void Dispose()
    {
        try
        {
            Directory.Delete(HostPath, recursive: true);
        }
        catch (IOException)
        {
            // A file the silo still held; the OS temp cleanup removes it.
        }
    }

    private List<string> UnshareArguments(ContainerSettings settings, IReadOnlyList<string> arguments)
    {
        List<string> unshare = ["--mount", "--propagation", "private", "--pid", "--fork", "--kill-child"];
        if (settings.PodAddress is not null)
        {
            unshare.Add("--net");
        }

        return [.. unshare, "--", "/bin/sh", "-ec", Script(settings, arguments)];
    }

    /// <summary>The shell script that runs as the first process of the new namespaces: mounts, then exec of the command
    /// in the root.</summary>
    private string Script(ContainerSettings settings, IReadOnlyList<string> arguments)
    {
        var script = new StringBuilder();
        void Line(params string[] words) => script.AppendLine(string.Join(' ', words));
        string At(string path) => Quote(HostPathOf(path));

        Line("mount", "--bind", Quote(HostPath), Quote(HostPath));
        var unmergedEntries = BaseImageStandIn.TopLevelSystemEntries.Where(e => Directory.Exists(e) && new FileInfo(e).LinkTarget is null).Select(e => (e, e));
        foreach (var (hostPath, target) in BaseImageStandIn.ReadOnlyHostDirectories.Concat(unmergedEntries))
        {
            Line("mkdir", "-p", At(target));
            Line("mount", "--bind", "-o", "ro", Quote(hostPath), At(target));
        }

        Line("mount", "-t", "proc", "proc", At("/proc"));
        Line("mount", "--rbind", "/dev", At("/dev"));
        foreach (var (hostPath, target) in settings.CacheMounts ?? [])
        {
            Line("mkdir", "-p", At(target));
            Line("mount", "--bind", Quote(hostPath), At(target));
        }

        foreach (var (target, gid) in settings.Volumes ?? [])
        {
            Line("mkdir", "-p", At(target));
            Line("mount", "-t", "tmpfs", "-o", Quote(FormattableString.Invariant($"mode=2775,uid=0,gid={gid},size=512m")), "tmpfs", At(target));
        }

        if (settings.PodAddress is { } address)
        {
            Line("ip", "link", "set", "lo", "up");
            Line("ip", "address", "add", Quote(address + "/32"), "dev", "lo");
        }

        if (settings.ReadOnlyRoot)
        {
            Line("mount", "-o", "remount,bind,ro", Quote(HostPath));
        }

        List<string> exec = ["exec", "chroot", Quote(HostPath)];
        if (settings.User is { } user)
        {
            exec.AddRange(["/usr/bin/setpriv", Invariant($"--reuid={user.Uid}"), Invariant($"--regid={user.Gid}"),
                user.SupplementaryGroups.Count == 0 ? "--clear-groups" : "--groups=" + string.Join(',', user.SupplementaryGroups.Select(Invariant)),
                "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--"]);
        }

        exec.AddRange(["/usr/bin/env", "-i", "-C", Quote(settings.Workdir)]);
        exec.AddRange(settings.Environment.Select(e => Quote($"{e.Key}={e.Value}")));
        exec.AddRange(arguments.Select(Quote));
        Line([.. exec]);
        return script.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

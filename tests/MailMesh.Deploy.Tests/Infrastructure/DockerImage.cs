using System.Diagnostics;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>The image a <see cref="Dockerfile"/> describes, made without a Docker engine: each stage's instructions are
/// executed in order into a <see cref="ContainerRoot"/> of its own. WORKDIR creates the directory; COPY copies from the
/// build context (after .dockerignore) or, with --from, out of an earlier stage's root, then applies --chown; RUN runs the
/// command exactly as written with /bin/sh -c in the stage's root, with the stage's environment, working directory and
/// user, and a cache mount bound in (the NuGet global packages folder is the host's own, as a warm BuildKit cache would
/// be; any other cache starts empty). What the final stage's root holds afterwards is the image's filesystem.</summary>
internal sealed class DockerImage : IDisposable
{
    private readonly List<ContainerRoot> _roots;

    private DockerImage(DockerStage stage, ContainerRoot root, IReadOnlyList<KeyValuePair<string, string>> environment, string workdir,
        List<ContainerRoot> roots, IReadOnlyList<string> steps)
    {
        Stage = stage;
        Root = root;
        Environment = environment;
        Workdir = workdir;
        _roots = roots;
        Steps = steps;
    }

    /// <summary>The final stage.</summary>
    public DockerStage Stage { get; }

    /// <summary>The image's filesystem.</summary>
    public ContainerRoot Root { get; }

    /// <summary>The image's environment: the base image's, then the final stage's ENV lines.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; }

    public string Workdir { get; }

    /// <summary>One line per executed instruction, with what it did and how long it took.</summary>
    public IReadOnlyList<string> Steps { get; }

    /// <summary>Executes every stage of <paramref name="dockerfile"/>; a RUN that fails, or runs past
    /// <paramref name="runTimeout"/>, fails with its output.</summary>
    public static async Task<DockerImage> BuildAsync(Dockerfile dockerfile, BuildContext context, TimeSpan runTimeout)
    {
        var roots = new List<ContainerRoot>();
        var named = new Dictionary<string, ContainerRoot>(StringComparer.OrdinalIgnoreCase);
        var steps = new List<string>();
        try
        {
            ContainerRoot? root = null;
            Dictionary<string, string> environment = [];
            var workdir = "/";
            foreach (var (stage, index) in dockerfile.Stages.Select((s, i) => (s, i)))
            {
                var standIn = BaseImageStandIn.For(stage.BaseImage);
                root = ContainerRoot.Create(stage.Name ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture));
                roots.Add(root);
                environment = standIn.Environment.ToDictionary();
                workdir = "/";
                DockerUser? user = null;
                foreach (var instruction in stage.Instructions)
                {
                    var clock = Stopwatch.StartNew();
                    switch (instruction)
                    {
                        case DockerWorkdir w:
                            workdir = w.Path;
                            Directory.CreateDirectory(root.HostPathOf(workdir));
                            break;
                        case DockerCopy copy:
                            var files = Copy(copy, root, workdir, context, named);
                            steps.Add($"line {copy.Line}: COPY {string.Join(' ', copy.Sources)} → {copy.Destination}: {files} files");
                            break;
                        case DockerRun run:
                            await RunAsync(run, root, workdir, environment, user, runTimeout);
                            steps.Add($"line {run.Line}: RUN {run.Command}: {clock.Elapsed.TotalSeconds:0.0} s");
                            break;
                        case DockerEnv env:
                            foreach (var (name, value) in env.Variables)
                            {
                                environment[name] = value;
                            }

                            break;
                        case DockerUser u:
                            user = u;
                            break;

                        // VOLUME, EXPOSE and ENTRYPOINT are the image's metadata, read from the stage when it runs.
                    }
                }

                if (stage.Name is not null)
                {
                    named[stage.Name] = root;
                }
            }

            return new DockerImage(dockerfile.Final, root!, [.. environment], workdir, roots, steps);
        }
        catch
        {
            roots.ForEach(r => r.Dispose());
            throw;
        }
    }

    public void Dispose() => _roots.ForEach(r => r.Dispose());

    private static int Copy(DockerCopy copy, ContainerRoot root, string workdir, BuildContext context, Dictionary<string, ContainerRoot> stages)
    {
        if (!(copy.Destination.EndsWith('/') || copy.Destination is "." or "./"))
        {
            throw Dockerfile.Error(copy.Line, $"COPY destination '{copy.Destination}' does not end with '/': copying to a file name is not implemented by this reader");
        }

        var destination = root.HostPathOf(copy.Destination.StartsWith('/') ? copy.Destination : workdir.TrimEnd('/') + "/" + copy.Destination);
        var copied = new List<string>();
        foreach (var source in copy.Sources)
        {
            if (copy.From is null)
            {
                var before = Directory.Exists(destination) ? Directory.GetFiles(destination, "*", SearchOption.AllDirectories).ToHashSet() : [];
                context.CopyTo(source, destination, copy.Line);
                copied.AddRange(Directory.GetFiles(destination, "*", SearchOption.AllDirectories).Where(f => !before.Contains(f)));
            }
            else
            {
                var from = stages.GetValueOrDefault(copy.From)
                    ?? throw Dockerfile.Error(copy.Line, $"COPY --from={copy.From}: no earlier stage has that name");
                copied.AddRange(CopyOut(from.HostPathOf(source), destination, copy.Line));
            }
        }

        if (copy.Owner is { } owner)
        {
            foreach (var path in copied)
            {
                LinuxNative.ChangeOwner(path, owner.Uid, owner.Gid);
            }
        }

        return copied.Count(File.Exists);
    }

    /// <summary>Copies a file, or a directory's contents, out of another stage's root; returns the paths created.</summary>
    private static List<string> CopyOut(string source, string destination, int line)
    {
        Directory.CreateDirectory(destination);
        if (File.Exists(source))
        {
            var target = Path.Combine(destination, Path.GetFileName(source));
            File.Copy(source, target, overwrite: true);
            return [target];
        }

        if (!Directory.Exists(source))
        {
            throw Dockerfile.Error(line, $"COPY --from: {source} does not exist in that stage (did its RUN lines write it?)");
        }

        var created = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, entry));
            if (Directory.Exists(entry))
            {
                Directory.CreateDirectory(target);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(entry, target, overwrite: true);
            }

            created.Add(target);
        }

        return created;
    }

    private static async Task RunAsync(DockerRun run, ContainerRoot root, string workdir, Dictionary<string, string> environment, DockerUser? user, TimeSpan timeout)
    {
        var uid = user is null ? 0 : user.Uid ?? throw Dockerfile.Error(user.Line, "RUN after a USER name: only numeric users can be resolved without the base image");
        var gid = user?.Gid ?? uid;
        var home = BaseImageStandIn.HomeOf(uid);
        var settings = new ContainerSettings(
            workdir,
            [.. environment, .. environment.ContainsKey("HOME") ? [] : new[] { KeyValuePair.Create("HOME", home) }],
            uid == 0 ? null : new ContainerUser(uid, gid, []),
            [.. run.Mounts.Select(m => (CacheDirectory(m, home), m.Target))]);
        var result = await root.RunAsync(run.Command, settings, timeout);
        if (result.ExitCode != 0)
        {
            var output = (result.StandardOutput + result.StandardError).Trim();
            throw new InvalidOperationException(
                $"Dockerfile line {run.Line}: RUN {run.Command} failed with exit code {result.ExitCode}:\n{string.Join('\n', output.Split('\n').TakeLast(60))}");
        }
    }

    /// <summary>The host directory behind a cache mount: the NuGet global packages folder of the test's user for the one
    /// of the RUN's user (so restore finds what the solution's restore put there), otherwise an empty directory.</summary>
    private static string CacheDirectory(DockerCacheMount mount, string home)
    {
        if (mount.Target.TrimEnd('/') == home + "/.nuget/packages")
        {
            var packages = System.Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
                ? configured
                : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            Directory.CreateDirectory(packages);
            return packages;
        }

        return Directory.CreateTempSubdirectory($"mailmesh-image-cache-{mount.Id}-").FullName;
    }
}

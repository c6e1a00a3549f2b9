using System.Globalization;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>One stage of a <see cref="Dockerfile"/>: its base image, its name and its instructions in order.</summary>
internal sealed record DockerStage(string BaseImage, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    /// <summary>The environment the stage's ENV lines set, in order (a later line wins).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment =>
        [.. Instructions.OfType<DockerEnv>().SelectMany(e => e.Variables)];

    /// <summary>The working directory the stage ends with.</summary>
    public string? Workdir => Instructions.OfType<DockerWorkdir>().LastOrDefault()?.Path;

    /// <summary>The last USER line, or null (the base image's user).</summary>
    public DockerUser? User => Instructions.OfType<DockerUser>().LastOrDefault();

    public IReadOnlyList<(int Port, string Protocol)> ExposedPorts => [.. Instructions.OfType<DockerExpose>().SelectMany(e => e.Ports)];

    public IReadOnlyList<string> Volumes => [.. Instructions.OfType<DockerVolume>().SelectMany(v => v.Paths)];

    public DockerEntrypoint? Entrypoint => Instructions.OfType<DockerEntrypoint>().LastOrDefault();

    public override string ToString() => Name is null ? $"FROM {BaseImage}" : $"FROM {BaseImage} AS {Name}";
}

/// <summary>An instruction and the Dockerfile line it starts on.</summary>
internal abstract record DockerInstruction(int Line);

internal sealed record DockerWorkdir(int Line, string Path) : DockerInstruction(Line);

/// <summary><c>COPY [--from=stage] [--chown=user:group] source… destination</c>.</summary>
internal sealed record DockerCopy(int Line, IReadOnlyList<string> Sources, string Destination, string? From, string? Chown) : DockerInstruction(Line)
{
    /// <summary>The numeric owner of <c>--chown</c> (<c>root</c> is 0; other names depend on the image's /etc/passwd,
    /// which is not here, so they are an error), or null without the flag.</summary>
    public (int Uid, int Gid)? Owner
    {
        get
        {
            if (Chown is null)
            {
                return null;
            }

            var parts = Chown.Split(':');
            var uid = Id(parts[0]);
            return (uid, parts.Length > 1 ? Id(parts[1]) : uid);
        }
    }

    private int Id(string name) =>
        name == "root" ? 0
        : int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id
        : throw Dockerfile.Error(Line, $"--chown={Chown}: only numeric ids and root can be resolved without the base image");
}

/// <summary><c>RUN [--mount=type=cache,…] command</c> (shell form).</summary>
internal sealed record DockerRun(int Line, string Command, IReadOnlyList<DockerCacheMount> Mounts) : DockerInstruction(Line);

/// <summary>A BuildKit cache mount: a directory kept between builds, shared by the RUN lines with the same id.</summary>
internal sealed record DockerCacheMount(string Id, string Target)
{
    public static DockerCacheMount Parse(int line, string value)
    {
        var fields = value.Split(',').Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f.Length > 1 ? f[1] : "", StringComparer.Ordinal);
        if (fields.GetValueOrDefault("type") != "cache" || fields.Keys.Except(["type", "id", "target"]).Any() || !fields.TryGetValue("target", out var target))
        {
            throw Dockerfile.Error(line, $"--mount={value}: this parser implements only type=cache with id and target");
        }

        return new DockerCacheMount(fields.GetValueOrDefault("id") ?? target, target);
    }
}

internal sealed record DockerEnv(int Line, IReadOnlyList<KeyValuePair<string, string>> Variables) : DockerInstruction(Line);

internal sealed record DockerVolume(int Line, IReadOnlyList<string> Paths) : DockerInstruction(Line);

internal sealed record DockerExpose(int Line, IReadOnlyList<(int Port, string Protocol)> Ports) : DockerInstruction(Line);

/// <summary><c>USER user[:group]</c>.</summary>
internal sealed record DockerUser(int Line, string User, string? Group) : DockerInstruction(Line)
{
    /// <summary>The numeric uid, or null when the user is a name (resolved through the image's /etc/passwd).</summary>
    public int? Uid => int.TryParse(User, NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : null;

    /// <summary>The numeric gid, or null when absent or a name.</summary>
    public int? Gid => int.TryParse(Group, NumberStyles.None, CultureInfo.InvariantCulture, out var gid) ? gid : null;
}

/// <summary><c>ENTRYPOINT ["program", "argument", …]</c> (exec form).</summary>
internal sealed record DockerEntrypoint(int Line, IReadOnlyList<string> Arguments) : DockerInstruction(Line);

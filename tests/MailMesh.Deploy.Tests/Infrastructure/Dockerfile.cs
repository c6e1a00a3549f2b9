using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>A Dockerfile parsed into stages. The parser knows the instructions the silo's Dockerfile uses (FROM … AS,
/// WORKDIR, COPY, RUN, ENV, VOLUME, EXPOSE, USER, ENTRYPOINT) with Docker's line continuations and comments; anything
/// else (another instruction, <c>$VAR</c> replacement outside RUN, a shell-form ENTRYPOINT) is an error that names the
/// line, so a Dockerfile the tests cannot read faithfully fails them instead of being half understood.</summary>
internal sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerStage> stages) => Stages = stages;

    /// <summary>The repository's Dockerfile.</summary>
    public static string Path => System.IO.Path.Combine(Repository.Root, "Dockerfile");

    public IReadOnlyList<DockerStage> Stages { get; }

    /// <summary>The stage the image is made of.</summary>
    public DockerStage Final => Stages[^1];

    /// <summary>The stage named <paramref name="name"/> (<c>FROM … AS name</c>).</summary>
    public DockerStage Stage(string name) =>
        Stages.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidOperationException($"the Dockerfile has no stage named '{name}'");

    /// <summary>Parses the repository's Dockerfile.</summary>
    public static Dockerfile Load() => Parse(File.ReadAllText(Path));

    public static Dockerfile Parse(string text)
    {
        var stages = new List<DockerStage>();
        (string Image, string? Name, int Line)? current = null;
        var instructions = new List<DockerInstruction>();
        foreach (var (line, keyword, arguments) in LogicalLines(text))
        {
            if (keyword == "FROM")
            {
                if (current is { } done)
                {
                    stages.Add(new DockerStage(done.Image, done.Name, instructions));
                }

                current = ParseFrom(line, arguments);
                instructions = [];
                continue;
            }

            if (current is null)
            {
                throw Error(line, $"{keyword} before the first FROM");
            }

            instructions.Add(ParseInstruction(line, keyword, arguments));
        }

        if (current is not { } last)
        {
            throw new FormatException("the Dockerfile has no FROM");
        }

        stages.Add(new DockerStage(last.Image, last.Name, instructions));
        return new Dockerfile(stages);
    }

    /// <summary>Instructions with their continuation lines joined (Docker drops the backslash, the newline and comment
    /// lines inside a continued instruction), each with the line it starts on.</summary>
    private static IEnumerable<(int Line, string Keyword, string Arguments)> LogicalLines(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            var start = i + 1;
            var joined = new StringBuilder();
            var part = lines[i].TrimEnd();
            while (part.EndsWith('\\'))
            {
                joined.Append(part[..^1]);
                do
                {
                    i++;
                }
                while (i < lines.Length && (lines[i].Trim().Length == 0 || lines[i].TrimStart().StartsWith('#')));

                part = i < lines.Length ? lines[i].TrimEnd() : "";
            }

            joined.Append(part);
            var instruction = joined.ToString().Trim();
            var space = instruction.IndexOfAny([' ', '\t']);
            var keyword = (space < 0 ? instruction : instruction[..space]).ToUpperInvariant();
            yield return (start, keyword, space < 0 ? "" : instruction[(space + 1)..].Trim());
        }
    }

    private static (string Image, string? Name, int Line) ParseFrom(int line, string arguments)
    {
        var words = Words(arguments);
        if (words.Count == 1 && !words[0].StartsWith("--", StringComparison.Ordinal))
        {
            return (words[0], null, line);
        }

        if (words.Count == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase))
        {
            return (words[0], words[2], line);
        }

        throw Error(line, $"FROM '{arguments}' is not 'FROM image [AS name]'");
    }

    private static DockerInstruction ParseInstruction(int line, string keyword, string arguments)
    {
        if (keyword != "RUN" && arguments.Contains('$', StringComparison.Ordinal))
        {
            throw Error(line, $"{keyword} uses $-replacement, which this parser does not implement");
        }

        switch (keyword)
        {
            case "WORKDIR":
                return new DockerWorkdir(line, RequireAbsolute(line, arguments));
            case "COPY":
            {
                var (flags, rest) = Flags(line, arguments, "from", "chown");
                var paths = rest.TrimStart().StartsWith('[') ? JsonArray(line, rest) : Words(rest);
                if (paths.Count < 2)
                {
                    throw Error(line, "COPY needs at least one source and a destination");
                }

                return new DockerCopy(line, paths[..^1], paths[^1], flags.GetValueOrDefault("from"), flags.GetValueOrDefault("chown"));
            }

            case "RUN":
            {
                var (flags, rest) = Flags(line, arguments, "mount");
                if (rest.TrimStart().StartsWith('['))
                {
                    throw Error(line, "RUN in exec form is not implemented by this parser; use the shell form");
                }

                var mounts = flags.TryGetValue("mount", out var mount) ? [DockerCacheMount.Parse(line, mount)] : Array.Empty<DockerCacheMount>();
                return new DockerRun(line, rest.Trim(), mounts);
            }

            case "ENV":
                return new DockerEnv(line, EnvPairs(line, arguments));
            case "VOLUME":
                return new DockerVolume(line, arguments.StartsWith('[') ? JsonArray(line, arguments) : Words(arguments));
            case "EXPOSE":
                return new DockerExpose(line, [.. Words(arguments).Select(w => ParsePort(line, w))]);
            case "USER":
            {
                var parts = arguments.Split(':');
                return parts.Length is 1 or 2 && parts.All(p => p.Length > 0 && !p.Any(char.IsWhiteSpace))
                    ? new DockerUser(line, parts[0], parts.Length == 2 ? parts[1] : null)
                    : throw Error(line, $"USER '{arguments}' is not 'user[:group]'");
            }

            case "ENTRYPOINT":
                return arguments.StartsWith('[')
                    ? new DockerEntrypoint(line, JsonArray(line, arguments))
                    : throw Error(line, "ENTRYPOINT in shell form runs under /bin/sh -c, which does not pass SIGTERM on; use the exec form");
            default:
                throw Error(line, $"instruction {keyword} is not implemented by this parser (it reads FROM, WORKDIR, COPY, RUN, ENV, VOLUME, EXPOSE, USER, ENTRYPOINT)");
        }
    }

    /// <summary>Leading <c>--name=value</c> flags (only the <paramref name="allowed"/> ones) and the rest.</summary>
    private static (Dictionary<string, string> Flags, string Remainder) Flags(int line, string arguments, params string[] allowed)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        var rest = arguments;
        while (rest.StartsWith("--", StringComparison.Ordinal))
        {
            var end = rest.IndexOfAny([' ', '\t']);
            var flag = end < 0 ? rest : rest[..end];
            rest = end < 0 ? "" : rest[end..].TrimStart();
            var equals = flag.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? flag[2..] : flag[2..equals];
            if (!allowed.Contains(name) || equals < 0)
            {
                throw Error(line, $"flag {flag} is not implemented by this parser (known: {string.Join(", ", allowed.Select(a => "--" + a + "=…"))})");
            }

            if (!flags.TryAdd(name, flag[(equals + 1)..]))
            {
                throw Error(line, $"flag --{name} given twice; this parser reads one");
            }
        }

        return (flags, rest);
    }

    /// <summary><c>ENV key=value …</c> (values may be double-quoted) or the legacy <c>ENV key value</c>.</summary>
    private static List<KeyValuePair<string, string>> EnvPairs(int line, string arguments)
    {
        var words = Words(arguments);
        if (words.Count > 0 && !words[0].Contains('=', StringComparison.Ordinal))
        {
            var space = arguments.IndexOfAny([' ', '\t']);
            return space < 0
                ? throw Error(line, $"ENV '{arguments}' has no value")
                : [new(arguments[..space], Unquote(arguments[(space + 1)..].Trim()))];
        }

        return [.. words.Select(w => w.IndexOf('=', StringComparison.Ordinal) is var equals and > 0
            ? new KeyValuePair<string, string>(w[..equals], Unquote(w[(equals + 1)..]))
            : throw Error(line, $"ENV '{w}' is not key=value"))];
    }

    private static (int Port, string Protocol) ParsePort(int line, string word)
    {
        var slash = word.IndexOf('/', StringComparison.Ordinal);
        var protocol = slash < 0 ? "tcp" : word[(slash + 1)..].ToLowerInvariant();
        return int.TryParse(slash < 0 ? word : word[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536 && protocol is "tcp" or "udp"
            ? (port, protocol)
            : throw Error(line, $"EXPOSE '{word}' is not port[/tcp|/udp]");
    }

    private static string RequireAbsolute(int line, string path) =>
        path.StartsWith('/') && !path.Any(char.IsWhiteSpace) ? path : throw Error(line, $"WORKDIR '{path}' is not one absolute path (relative ones depend on the base image)");

    private static List<string> JsonArray(int line, string text)
    {
        try
        {
            return JsonSerializer.Deserialize<List<string>>(text) ?? throw Error(line, $"'{text}' is not a JSON array of strings");
        }
        catch (JsonException e)
        {
            throw new FormatException($"Dockerfile line {line}: '{text}' is not a JSON array of strings: {e.Message}", e);
        }
    }

    /// <summary>Whitespace-separated words; double quotes group (and are kept, for <see cref="Unquote"/>).</summary>
    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }

            if (!quoted && char.IsWhiteSpace(c))
            {
                if (word.Length > 0)
                {
                    words.Add(word.ToString());
                    word.Clear();
                }

                continue;
            }

            word.Append(c);
        }

        if (word.Length > 0)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal) : value;

    internal static FormatException Error(int line, string message) => new($"Dockerfile line {line}: {message}");
}

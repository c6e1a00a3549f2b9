using System.Text;
using System.Text.RegularExpressions;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>The repository root as a Docker build context: what a build sees after <c>.dockerignore</c>. The patterns
/// follow Docker's rules for the forms the file uses (paths relative to the context root, <c>*</c> and <c>?</c> within
/// one path segment, <c>**</c> across segments, a trailing slash ignored, a match on a directory leaving out all of it);
/// a <c>!</c> exception is not implemented and fails.</summary>
internal sealed class BuildContext
{
    private readonly List<Regex> _excluded;

    private BuildContext(string root, List<Regex> excluded)
    {
        Root = root;
        _excluded = excluded;
    }

    public string Root { get; }

    public static BuildContext Load()
    {
        var ignoreFile = Path.Combine(Repository.Root, ".dockerignore");
        var patterns = File.Exists(ignoreFile) ? File.ReadAllLines(ignoreFile) : [];
        var excluded = new List<Regex>();
        foreach (var raw in patterns)
        {
            var pattern = raw.Trim();
            if (pattern.Length == 0 || pattern.StartsWith('#'))
            {
                continue;
            }

            if (pattern.StartsWith('!'))
            {
                throw new FormatException($".dockerignore: exception '{pattern}' is not implemented by this reader");
            }

            excluded.Add(ToRegex(pattern.Trim('/')));
        }

        return new BuildContext(Repository.Root, excluded);
    }

    /// <summary>Whether the build sees <paramref name="relativePath"/> (forward slashes, relative to the root).</summary>
    public bool Includes(string relativePath) => !_excluded.Any(r => r.IsMatch(relativePath));

    /// <summary>Copies the source of a COPY line (a file, or a directory's contents) into <paramref name="destination"/>
    /// on the host, leaving out what .dockerignore excludes; returns the number of files copied.</summary>
    public int CopyTo(string source, string destination, int line)
    {
        var relative = source.Trim('/');
        if (relative.IndexOfAny(['*', '?', '[']) >= 0 || relative.Split('/').Contains(".."))
        {
            throw Dockerfile.Error(line, $"COPY source '{source}': wildcards and '..' are not implemented by this reader");
        }

        var full = Path.Combine(Root, relative);
        if (!Includes(relative) || !(File.Exists(full) || Directory.Exists(full)))
        {
            throw Dockerfile.Error(line, $"COPY source '{source}' is not in the build context (missing, or left out by .dockerignore)");
        }

        if (File.Exists(full))
        {
            Directory.CreateDirectory(destination);
            File.Copy(full, Path.Combine(destination, Path.GetFileName(full)), overwrite: true);
            return 1;
        }

        var copied = 0;
        foreach (var file in Walk(full))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(full, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
            copied++;
        }

        return copied;
    }

    private IEnumerable<string> Walk(string directory)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal))
        {
            if (!Includes(Path.GetRelativePath(Root, entry).Replace('\\', '/')))
            {
                continue;
            }

            if (Directory.Exists(entry))
            {
                foreach (var file in Walk(entry))
                {
                    yield return file;
                }
            }
            else
            {
                yield return entry;
            }
        }
    }

    private static Regex ToRegex(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                // "**/" matches any number of directories, including none.
                var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                regex.Append(slash ? "(.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else
            {
                regex.Append(c switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    _ => Regex.Escape(c.ToString()),
                });
            }
        }

        // A directory that matches takes everything under it along.
        return new Regex(regex.Append("(/.*)?$").ToString(), RegexOptions.CultureInvariant);
    }
}

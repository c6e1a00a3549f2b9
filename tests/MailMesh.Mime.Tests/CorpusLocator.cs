namespace MailMesh.Mime.Tests;

/// <summary>Finds the shared public corpora (../shared/corpus from the repository, or MAILMESH_SHARED_DIR).</summary>
internal static class CorpusLocator
{
    public static string? SharedDir
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("MAILMESH_SHARED_DIR");
            if (!string.IsNullOrEmpty(env))
            {
                return Directory.Exists(env) ? env : null;
            }

            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null)
            {
                if (File.Exists(Path.Combine(dir.FullName, "MailMesh.sln")))
                {
                    var shared = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared"));
                    return Directory.Exists(shared) ? shared : null;
                }

                dir = dir.Parent;
            }

            return null;
        }
    }

    public static string? MimeDir => Dir("mime");

    public static string? BouncesDir => Dir("bounces");

    public static string SkipReason(string what) =>
        $"{what}: the shared corpus is absent (looked for ../shared/corpus next to the repository, or MAILMESH_SHARED_DIR); skipped";

    private static string? Dir(string name)
    {
        var shared = SharedDir;
        if (shared is null)
        {
            return null;
        }

        var path = Path.Combine(shared, "corpus", name);
        return Directory.Exists(path) ? path : null;
    }

    /// <summary>Every message-like file of a corpus folder (data files only, no licenses or expectations).</summary>
    public static IEnumerable<string> MessageFiles(string root)
    {
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            var ext = Path.GetExtension(file).ToLowerInvariant();
            if (name.StartsWith("LICENSE", StringComparison.OrdinalIgnoreCase) || name is "NOTICE" or "SOURCES.md" or "README.txt" || name.EndsWith("-LICENSE", StringComparison.Ordinal) ||
                name.Contains("LICENSE", StringComparison.Ordinal) ||
                ext is ".xml" or ".exp" or ".json" or ".gz" or ".out" or ".md" or ".list" or ".py" or ".golden" or ".tnef" or ".png" or ".jpg" or ".gif" or ".pdf" or ".zip" or ".key" or ".pem" or ".crt")
            {
                continue;
            }

            if (name.Contains("_decoded", StringComparison.Ordinal))
            {
                continue;
            }

            yield return file;
        }
    }
}

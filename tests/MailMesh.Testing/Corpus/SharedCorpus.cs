namespace MailMesh.Testing;

/// <summary>
/// The shared test corpus (sample messages, bounces, Sieve scripts): <c>../shared/corpus</c> next to
/// the repository, or <c>$MAILMESH_SHARED_DIR/corpus</c>. It is not part of the repository, so
/// tests that read it must skip when it is absent: use <see cref="SkipReason"/> or
/// <see cref="SharedCorpusFactAttribute"/>.
/// </summary>
public static class SharedCorpus
{
    private static readonly Lazy<CorpusLocation> s_location = new(() => Locate(Environment.GetEnvironmentVariable("MAILMESH_SHARED_DIR"), RepositoryRoot.Path));

    /// <summary>The corpus directory, or null when it is absent.</summary>
    public static string? Directory => s_location.Value.Directory;

    /// <summary>True when the corpus directory exists.</summary>
    public static bool IsAvailable => Directory is not null;

    /// <summary>Null when the corpus exists; otherwise why tests that need it are skipped.</summary>
    public static string? SkipReason => s_location.Value.SkipReason;

    /// <summary>The full path of <paramref name="relativePath"/> inside the corpus (e.g. <c>mime/simple.eml</c>).</summary>
    /// <exception cref="InvalidOperationException">The corpus is absent (check <see cref="SkipReason"/> first).</exception>
    public static string GetPath(string relativePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(relativePath);
        var dir = Directory ?? throw new InvalidOperationException(SkipReason);
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir, relativePath));
        return full.StartsWith(dir, StringComparison.Ordinal)
            ? full
            : throw new ArgumentException($"'{relativePath}' points outside the shared corpus {dir}.", nameof(relativePath));
    }

    /// <summary>Every file under <paramref name="subdirectory"/> of the corpus, sorted; empty when the corpus is absent.</summary>
    public static IReadOnlyList<string> Files(string subdirectory, string searchPattern = "*")
    {
        var dir = Directory;
        if (dir is null)
        {
            return [];
        }

        var sub = System.IO.Path.Combine(dir, subdirectory);
        return System.IO.Directory.Exists(sub)
            ? System.IO.Directory.GetFiles(sub, searchPattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>Where the corpus is given an override directory and the repository root (both optional).</summary>
    public static CorpusLocation Locate(string? sharedDirOverride, string? repositoryRoot)
    {
        string shared;
        string source;
        if (!string.IsNullOrWhiteSpace(sharedDirOverride))
        {
            shared = System.IO.Path.GetFullPath(sharedDirOverride);
            source = "MAILMESH_SHARED_DIR";
        }
        else if (repositoryRoot is not null)
        {
            shared = System.IO.Path.GetFullPath(System.IO.Path.Combine(repositoryRoot, "..", "shared"));
            source = "../shared next to the repository";
        }
        else
        {
            return new CorpusLocation(null, "The shared corpus is not available: the tests do not run inside a MailMesh checkout (no MailMesh.sln above the test binaries) and MAILMESH_SHARED_DIR is not set.");
        }

        var corpus = System.IO.Path.Combine(shared, "corpus");
        return System.IO.Directory.Exists(corpus)
            ? new CorpusLocation(corpus + System.IO.Path.DirectorySeparatorChar, null)
            : new CorpusLocation(null, $"The shared corpus is not available: {corpus} ({source}) does not exist; set MAILMESH_SHARED_DIR to the directory that holds corpus/.");
    }
}

/// <summary>Where the shared corpus is.</summary>
/// <param name="Directory">The corpus directory (with a trailing separator), or null when absent.</param>
/// <param name="SkipReason">Why it is absent, or null.</param>
public sealed record CorpusLocation(string? Directory, string? SkipReason);

/// <summary>A fact that reads the shared corpus: skipped, saying why, when the corpus is absent.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class SharedCorpusFactAttribute : FactAttribute
{
    /// <summary>Skips the test when the shared corpus is absent.</summary>
    public SharedCorpusFactAttribute()
    {
        Skip = SharedCorpus.SkipReason;
    }
}

/// <summary>A theory that reads the shared corpus: skipped, saying why, when the corpus is absent.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class SharedCorpusTheoryAttribute : TheoryAttribute
{
    /// <summary>Skips the test when the shared corpus is absent.</summary>
    public SharedCorpusTheoryAttribute()
    {
        Skip = SharedCorpus.SkipReason;
    }
}

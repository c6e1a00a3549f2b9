namespace MailMesh.Testing;

/// <summary>Finds the repository root: the nearest directory above the test binaries that holds <c>MailMesh.sln</c>.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string?> s_root = new(() => Find(AppContext.BaseDirectory));

    /// <summary>The repository root, or null when the tests run outside a checkout.</summary>
    public static string? Path => s_root.Value;

    /// <summary>The nearest directory at or above <paramref name="start"/> holding <c>MailMesh.sln</c>, or null.</summary>
    public static string? Find(string start)
    {
        ArgumentNullException.ThrowIfNull(start);
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "MailMesh.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}

namespace MailMesh.Bench.Engagement;

/// <summary>Finds programs on PATH.</summary>
public static class Tools
{
    public static string? Find(string name, params string[] fallbacks)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return fallbacks.FirstOrDefault(File.Exists);
    }
}

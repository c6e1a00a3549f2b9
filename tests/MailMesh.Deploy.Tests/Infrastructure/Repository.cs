namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>Paths in the checkout the tests run from (found by walking up to MailMesh.sln).</summary>
internal static class Repository
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    public static string Root => s_root.Value;

    /// <summary>The Kubernetes manifests.</summary>
    public static string K8s => Path.Combine(Root, "k8s");

    /// <summary>The Grafana dashboards provisioned by k8s/observability.</summary>
    public static string Dashboards => Path.Combine(K8s, "observability", "dashboards");

    /// <summary>The npm packages installed by scripts/install-deps.sh (tests/node/package.json).</summary>
    public static string NodeModules => Path.Combine(Root, "tests", "node", "node_modules");

    /// <summary>This project's Node validator and its custom-resource schemas.</summary>
    public static string Validation => Path.Combine(Root, "tests", "MailMesh.Deploy.Tests", "Validation");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MailMesh.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"MailMesh.sln not found above {AppContext.BaseDirectory}: run the tests from a checkout.");
    }
}

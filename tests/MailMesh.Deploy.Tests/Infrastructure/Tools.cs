using System.Text.Json;
using MailMesh.Testing;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>The external tools these tests drive: kubectl (kustomize), node with the validator's npm packages, and
/// Debian's prometheus. A missing tool skips the test saying why; with <c>MAILMESH_TEST_SERVERS=required</c>
/// (scripts/test.sh, CI) a tool that scripts/install-deps.sh installs fails it instead.</summary>
internal static class Tools
{
    /// <summary>The oldest kustomize the manifests are written for (kubectl 1.27 and later embed v5).</summary>
    public const int KustomizeMajorVersion = 5;

    private static readonly Lazy<Task<(string? Path, string? Problem)>> s_kubectl = new(FindKubectlAsync);

    /// <summary>kubectl with an embedded kustomize v5 or later; skips the test when there is none.</summary>
    public static async Task<string> RequireKubectlAsync()
    {
        var (path, problem) = await s_kubectl.Value;
        // Not installed by the project's scripts (Debian has no kubectl recent enough), so never required.
        Skip.If(path is null, problem ?? "kubectl is not available");
        return path!;
    }

    /// <summary>node and the npm packages of tests/node the validator needs.</summary>
    public static string RequireNode()
    {
        var node = ExternalProcess.FindOnPath("node");
        var problem = node is null
            ? "node is not on PATH"
            : !Directory.Exists(Path.Combine(Repository.NodeModules, "kubernetes-models"))
                ? $"{Path.Combine(Repository.NodeModules, "kubernetes-models")} is missing (npm packages of tests/node not installed)"
                : null;
        RequireInstalled(problem);
        return node!;
    }

    /// <summary>Debian's prometheus (APT_PACKAGES in scripts/install-deps.sh).</summary>
    public static string RequirePrometheus()
    {
        var prometheus = ExternalProcess.FindOnPath("prometheus");
        RequireInstalled(prometheus is null ? "prometheus is not on PATH (Debian package prometheus)" : null);
        return prometheus!;
    }

    /// <summary>What running an image's stage like a container needs: root (to mount and to switch to the image's user),
    /// util-linux's unshare and setpriv, coreutils' chroot and env, iproute2's ip (a pod's loopback and address), and a
    /// kernel that lets this process create mount, PID and network namespaces.</summary>
    public static async Task RequireContainerToolsAsync()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "running the image's stages needs Linux namespaces");
        Skip.IfNot(LinuxNative.IsRoot,
            $"running the image's stages needs root (mounts, chroot, switching to the image's user); this test runs as uid {LinuxNative.EffectiveUid}. CI runs it as root");
        foreach (var (tool, package) in new[] { ("unshare", "util-linux"), ("setpriv", "util-linux"), ("chroot", "coreutils"), ("ip", "iproute2") })
        {
            RequireInstalled(ExternalProcess.FindOnPath(tool) is null ? $"{tool} is not on PATH (Debian package {package})" : null);
        }

        var probe = await ExternalProcess.RunAsync("unshare", ["--mount", "--propagation", "private", "--pid", "--fork", "--net", "--", "/bin/true"], TimeSpan.FromSeconds(30));
        Skip.If(probe.ExitCode != 0,
            $"this process may not create mount, PID and network namespaces (`unshare --mount --pid --fork --net true`: {ExternalProcess.Describe(probe)}); " +
            "a container without CAP_SYS_ADMIN cannot run the image's stages");
    }

    private static void RequireInstalled(string? problem)
    {
        if (problem is null)
        {
            return;
        }

        var message = problem + "; run scripts/install-deps.sh";
        if (TestServers.Required)
        {
            throw new InvalidOperationException(message + " (MAILMESH_TEST_SERVERS=required: the test fails instead of skipping)");
        }

        Skip.If(true, message);
    }

    private static async Task<(string? Path, string? Problem)> FindKubectlAsync()
    {
        const string Hint = "kubectl 1.27 or later (kustomize v5) renders k8s/; Debian 12 packages only kubernetes-client 1.20, " +
            "whose kustomize v2.0.3 cannot read these kustomizations, so scripts/install-deps.sh does not install it: " +
            "install kubectl from the Kubernetes project's packages to run this test";
        var kubectl = ExternalProcess.FindOnPath("kubectl");
        if (kubectl is null)
        {
            return (null, "kubectl is not on PATH; " + Hint);
        }

        var result = await ExternalProcess.RunAsync(kubectl, ["version", "--client", "-o", "json"], TimeSpan.FromSeconds(60));
        if (result.ExitCode != 0)
        {
            return (null, $"`kubectl version --client` failed ({ExternalProcess.Describe(result)}); " + Hint);
        }

        using var version = JsonDocument.Parse(result.StandardOutput);
        var kustomize = version.RootElement.TryGetProperty("kustomizeVersion", out var k) ? k.GetString() ?? "" : "";
        var major = kustomize.TrimStart('v').Split('.')[0];
        return int.TryParse(major, out var m) && m >= KustomizeMajorVersion
            ? (kubectl, null)
            : (null, $"{kubectl} embeds kustomize '{kustomize}'; " + Hint);
    }
}

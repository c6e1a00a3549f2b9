using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>The silo pod of k8s/overlays/embedded read from its source files, without kustomize (kubectl is not on CI):
/// the StatefulSet in overlays/embedded/statefulset.yaml, a whole object that the overlay's patches do not touch
/// (validated by Validation/validate-manifests.mjs like the rendered manifests), and the <c>mailmesh-silo</c> ConfigMap
/// that its configMapGenerator makes of base/silo.env merged with overlays/embedded/silo.env. Where kubectl is present,
/// <c>DockerImageTests</c> checks that this is what <c>kubectl kustomize</c> renders.</summary>
internal static class EmbeddedPod
{
    public const string Kustomization = "overlays/embedded";

    /// <summary>The env files of the ConfigMap, in merge order (a later file's key wins).</summary>
    public static readonly string[] EnvFiles = ["base/silo.env", "overlays/embedded/silo.env"];

    public const string StatefulSetFile = "overlays/embedded/statefulset.yaml";

    public static async Task<SiloWorkload> LoadAsync()
    {
        var node = Tools.RequireNode();
        var (documents, problems) = await RenderedManifests.ValidateAsync(node, [Path.Combine(Repository.K8s, StatefulSetFile)]);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"k8s/{StatefulSetFile}: " + string.Join("; ", problems.Select(p => p.Message)));
        }

        var merged = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in EnvFiles)
        {
            foreach (var (key, value) in ReadEnvFile(Path.Combine(Repository.K8s, file)))
            {
                merged[key] = value;
            }
        }

        // A ConfigMap's data is a map: kustomize and the API server keep it sorted by key, the order envFrom follows.
        var data = new JsonObject();
        foreach (var (key, value) in merged)
        {
            data[key] = value;
        }

        var configMap = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "mailmesh-silo" },
            ["data"] = data,
        };
        var objects = documents.Select(d => new Manifest(Kustomization, d.Object)).Append(new Manifest(Kustomization, configMap)).ToList();
        return SiloWorkload.In(objects).SingleOrDefault()
            ?? throw new InvalidOperationException($"k8s/{StatefulSetFile} has no container named '{SiloWorkload.ContainerName}'");
    }

    /// <summary>The environment the kubelet gives the silo container, in order: the ConfigMap's keys, then the env entries,
    /// with the values it would fetch made up: a Secret's key is 32 random bytes in base64 (how k8s/README.md tells
    /// operators to create them) and <c>metadata.name</c> the StatefulSet's first pod.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ResolveEnvironment(SiloWorkload workload)
    {
        var resolved = new List<KeyValuePair<string, string>>();
        foreach (var entry in workload.Environment.Where(e => e.FromEnvFrom))
        {
            resolved.Add(new(entry.Name, entry.Value ?? ""));
        }

        foreach (var entry in workload.Container["env"]?.AsArray() ?? [])
        {
            var name = (string)entry!["name"]!;
            var valueFrom = entry["valueFrom"];
            var value = valueFrom is null ? (string?)entry["value"] ?? ""
                : valueFrom["secretKeyRef"] is not null ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
                : (string?)valueFrom["fieldRef"]?["fieldPath"] == "metadata.name" ? workload.Manifest.Name + "-0"
                : throw new InvalidOperationException($"{workload}: env {name} comes from {valueFrom.ToJsonString()}, which the test cannot stand in for");
            resolved.Add(new(name, value));
        }

        return resolved;
    }

    /// <summary>A kustomize env file: <c>KEY=VALUE</c> lines; blank lines and <c>#</c> comments skipped.</summary>
    private static IEnumerable<(string Key, string Value)> ReadEnvFile(string path)
    {
        foreach (var (line, number) in File.ReadLines(path).Select((l, i) => (l.Trim(), i + 1)))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            yield return equals > 0 ? (line[..equals], line[(equals + 1)..]) : throw new FormatException($"{path}:{number}: '{line}' is not KEY=VALUE");
        }
    }
}

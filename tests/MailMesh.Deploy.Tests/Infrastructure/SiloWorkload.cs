using System.Text.Json.Nodes;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>A rendered Deployment or StatefulSet that runs the silo (a container named <c>silo</c>), with the
/// environment its container gets (envFrom ConfigMaps first, then env, which wins).</summary>
internal sealed class SiloWorkload
{
    public const string ContainerName = "silo";

    private SiloWorkload(Manifest manifest, JsonObject pod, JsonObject container, IReadOnlyList<EnvEntry> environment)
    {
        Manifest = manifest;
        Pod = pod;
        Container = container;
        Environment = environment;
    }

    public Manifest Manifest { get; }

    /// <summary>spec.template.spec.</summary>
    public JsonObject Pod { get; }

    public JsonObject Container { get; }

    /// <summary>Every variable in the order Kubernetes defines them (envFrom sources, then env).</summary>
    public IReadOnlyList<EnvEntry> Environment { get; }

    /// <summary>The value a variable ends up with (the last definition), null when set from a secret or field.</summary>
    public string? Effective(string name) => Environment.LastOrDefault(e => e.Name == name)?.Value;

    public JsonObject? TemplateLabels => Manifest.Object["spec"]?["template"]?["metadata"]?["labels"]?.AsObject();

    public IEnumerable<JsonObject> ContainerPorts => Container["ports"]?.AsArray().Select(p => p!.AsObject()) ?? [];

    public override string ToString() => Manifest.ToString();

    /// <summary>The silo workloads of <paramref name="objects"/> (one rendered kustomization).</summary>
    public static IReadOnlyList<SiloWorkload> In(IReadOnlyList<Manifest> objects)
    {
        var workloads = new List<SiloWorkload>();
        foreach (var manifest in objects.Where(o => o.Kind is "Deployment" or "StatefulSet"))
        {
            var pod = manifest.Object["spec"]?["template"]?["spec"]?.AsObject();
            var container = pod?["containers"]?.AsArray().Select(c => c!.AsObject()).FirstOrDefault(c => (string?)c["name"] == ContainerName);
            if (pod is null || container is null)
            {
                continue;
            }

            var environment = new List<EnvEntry>();
            foreach (var source in container["envFrom"]?.AsArray() ?? [])
            {
                var configMapName = (string?)source!["configMapRef"]?["name"];
                var configMap = objects.FirstOrDefault(o => o.Kind == "ConfigMap" && o.Name == configMapName)
                    ?? throw new InvalidOperationException($"{manifest}: envFrom names ConfigMap {configMapName}, which the kustomization does not render");
                foreach (var (key, value) in configMap.Object["data"]?.AsObject() ?? [])
                {
                    environment.Add(new EnvEntry(key, (string?)value, $"ConfigMap {configMapName}", FromEnvFrom: true));
                }
            }

            foreach (var entry in container["env"]?.AsArray() ?? [])
            {
                var from = entry!["valueFrom"] is { } valueFrom
                    ? valueFrom["secretKeyRef"] is { } secret ? $"Secret {secret["name"]} key {secret["key"]}" : "a field reference"
                    : "env";
                environment.Add(new EnvEntry((string)entry["name"]!, (string?)entry["value"], from, FromEnvFrom: false));
            }

            workloads.Add(new SiloWorkload(manifest, pod, container, environment));
        }

        return workloads;
    }
}

/// <summary>One environment variable definition.</summary>
/// <param name="Value">The literal value; null when it comes from a secret or a field.</param>
internal sealed record EnvEntry(string Name, string? Value, string Source, bool FromEnvFrom);

using MailMesh.Deploy.Tests.Infrastructure;
using MailMesh.Testing;

namespace MailMesh.Deploy.Tests;

/// <summary>Every kustomization under k8s/ renders and every object it renders passes the Kubernetes schemas.</summary>
public sealed class ManifestSchemaTests
{
    [SkippableFact]
    public async Task Render_EveryKustomization_EveryObjectPassesTheKubernetesSchemas()
    {
        var rendered = await RenderedManifests.LoadAsync();

        Assert.Contains("overlays/embedded", rendered.Kustomizations);
        Assert.Contains("overlays/cluster", rendered.Kustomizations);
        Assert.All(rendered.Kustomizations, k => Assert.NotEmpty(rendered.Of(k)));
        Assert.True(rendered.Problems.Count == 0, "manifest problems:\n" + string.Join('\n', rendered.Problems));
    }

    [SkippableFact]
    public async Task Render_Overlays_EachDeploysTheSiloWithItsTelemetryStack()
    {
        var rendered = await RenderedManifests.LoadAsync();

        foreach (var overlay in new[] { "overlays/embedded", "overlays/cluster" })
        {
            var objects = rendered.Of(overlay).ToList();
            var kinds = objects.Select(o => $"{o.Kind}/{o.Name}").ToHashSet();
            Assert.NotEmpty(SiloWorkload.In(objects));
            foreach (var expected in new[]
                     {
                         "ServiceAccount/mailmesh-silo", "Service/mailmesh-grpc", "Service/mailmesh-public", "NetworkPolicy/mailmesh-silo",
                         "Deployment/otel-collector", "Deployment/prometheus", "Deployment/grafana",
                     })
            {
                Assert.True(kinds.Contains(expected), $"{overlay} renders no {expected}");
            }

            Assert.All(objects, o => Assert.Equal("mailmesh", (string?)o.Object["metadata"]?["namespace"]));
        }

        var embedded = rendered.Of("overlays/embedded").ToList();
        var statefulSet = Assert.Single(SiloWorkload.In(embedded)).Manifest;
        Assert.Equal("StatefulSet", statefulSet.Kind);
        Assert.Equal(1, (int?)statefulSet.Object["spec"]!["replicas"]);
        Assert.Contains(statefulSet.Object["spec"]!["volumeClaimTemplates"]!.AsArray(), t => (string?)t!["metadata"]!["name"] == "data");
        Assert.DoesNotContain(embedded, o => o.Kind is "HorizontalPodAutoscaler" or "PodDisruptionBudget");

        var cluster = rendered.Of("overlays/cluster").ToList();
        var hpa = Assert.Single(cluster, o => o.Kind == "HorizontalPodAutoscaler");
        var target = hpa.Object["spec"]!["scaleTargetRef"]!;
        Assert.Contains(cluster, o => o.Kind == (string?)target["kind"] && o.Name == (string?)target["name"]);
        var metrics = hpa.Object["spec"]!["metrics"]!.AsArray();
        Assert.Contains(metrics, m => (string?)m!["resource"]?["name"] == "cpu");
        Assert.Contains(metrics, m => (string?)m!["pods"]?["metric"]?["name"] == "mailmesh_grain_queue_depth");
        Assert.Single(cluster, o => o.Kind == "PodDisruptionBudget");
    }

    [SkippableFact]
    public async Task Render_EveryKustomization_CommitsNoSecret()
    {
        var rendered = await RenderedManifests.LoadAsync();

        Assert.DoesNotContain(rendered.Objects, o => o.Kind == "Secret");
    }

    [SkippableFact]
    public async Task SecretReferences_InEveryManifest_HaveAnExampleFileWithTheKey()
    {
        var rendered = await RenderedManifests.LoadAsync();
        var references = rendered.Objects
            .SelectMany(o => Descendants(o.Object).Select(n => n["secretKeyRef"]).OfType<System.Text.Json.Nodes.JsonObject>()
                .Select(r => (Object: o, Name: (string)r["name"]!, Key: (string)r["key"]!)))
            .ToList();
        Assert.NotEmpty(references);

        var problems = new List<string>();
        foreach (var (manifest, name, key) in references.DistinctBy(r => (r.Name, r.Key)))
        {
            var example = Path.Combine(Repository.K8s, "secrets", name + ".env.example");
            if (!File.Exists(example))
            {
                problems.Add($"{manifest} reads Secret {name}, but k8s/secrets/{name}.env.example does not exist");
            }
            else if (!File.ReadLines(example).Any(l => l.StartsWith(key + "=", StringComparison.Ordinal)))
            {
                problems.Add($"{manifest} reads key {key} of Secret {name}, which k8s/secrets/{name}.env.example does not show");
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    private static IEnumerable<System.Text.Json.Nodes.JsonObject> Descendants(System.Text.Json.Nodes.JsonNode? node)
    {
        switch (node)
        {
            case System.Text.Json.Nodes.JsonObject o:
                yield return o;
                foreach (var (_, child) in o)
                {
                    foreach (var d in Descendants(child))
                    {
                        yield return d;
                    }
                }

                break;
            case System.Text.Json.Nodes.JsonArray a:
                foreach (var child in a)
                {
                    foreach (var d in Descendants(child))
                    {
                        yield return d;
                    }
                }

                break;
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>One object of a rendered kustomization.</summary>
/// <param name="Kustomization">The kustomization directory relative to k8s/, e.g. <c>overlays/cluster</c>.</param>
internal sealed record Manifest(string Kustomization, JsonObject Object)
{
    public string Kind => (string)Object["kind"]!;

    public string Name => (string?)Object["metadata"]?["name"] ?? "";

    public override string ToString() => $"{Kustomization}: {Kind}/{Name}";
}

/// <summary>A problem the validator found.</summary>
internal sealed record ManifestProblem(string Kustomization, string Kind, string Name, string Message)
{
    public override string ToString() => $"{Kustomization}: {Kind}/{Name}: {Message}";
}

/// <summary>Every kustomization under k8s/ rendered with <c>kubectl kustomize</c> and validated offline by
/// Validation/validate-manifests.mjs (Kubernetes schemas from kubernetes-models, strict field names, operator
/// custom resources against Validation/custom-resources.schema.json). Rendered once per test run.</summary>
internal sealed class RenderedManifests
{
    private static readonly SemaphoreSlim s_gate = new(1, 1);
    private static RenderedManifests? s_rendered;

    private RenderedManifests(IReadOnlyList<string> kustomizations, IReadOnlyList<Manifest> objects, IReadOnlyList<ManifestProblem> problems)
    {
        Kustomizations = kustomizations;
        Objects = objects;
        Problems = problems;
    }

    /// <summary>The kustomization directories, relative to k8s/ with forward slashes.</summary>
    public IReadOnlyList<string> Kustomizations { get; }

    public IReadOnlyList<Manifest> Objects { get; }

    public IReadOnlyList<ManifestProblem> Problems { get; }

    /// <summary>The objects of one kustomization.</summary>
    public IEnumerable<Manifest> Of(string kustomization) => Objects.Where(o => o.Kustomization == kustomization);

    /// <summary>Renders and validates (once); skips the calling test when kubectl or node is missing.</summary>
    public static async Task<RenderedManifests> LoadAsync()
    {
        var kubectl = await Tools.RequireKubectlAsync();
        var node = Tools.RequireNode();
        await s_gate.WaitAsync();
        try
        {
            return s_rendered ??= await RenderAsync(kubectl, node);
        }
        finally
        {
            s_gate.Release();
        }
    }

    /// <summary>Every directory under k8s/ with a kustomization.yaml.</summary>
    public static IReadOnlyList<string> FindKustomizations() =>
        [.. Directory.EnumerateFiles(Repository.K8s, "kustomization.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repository.K8s, Path.GetDirectoryName(f)!).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];

    private static async Task<RenderedManifests> RenderAsync(string kubectl, string node)
    {
        var kustomizations = FindKustomizations();
        var work = Directory.CreateTempSubdirectory("mailmesh-k8s-");
        try
        {
            var files = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var kustomization in kustomizations)
            {
                var rendered = await ExternalProcess.RunAsync(kubectl, ["kustomize", Path.Combine(Repository.K8s, kustomization)], TimeSpan.FromMinutes(2));
                if (rendered.ExitCode != 0)
                {
                    throw new InvalidOperationException($"kubectl kustomize k8s/{kustomization} failed: {ExternalProcess.Describe(rendered)}");
                }

                var file = Path.Combine(work.FullName, kustomization.Replace('/', '_') + ".yaml");
                await File.WriteAllTextAsync(file, rendered.StandardOutput);
                files[file] = kustomization;
            }

            var (documents, problems) = await ValidateAsync(node, files.Keys);
            var objects = documents.Select(d => new Manifest(files[d.Source], d.Object)).ToList();
            return new RenderedManifests(kustomizations, objects, [.. problems.Select(p => p with { Kustomization = files[p.Kustomization] })]);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Runs Validation/validate-manifests.mjs over <paramref name="files"/> (rendered output, or a manifest file
    /// that is a whole object by itself): each document with the file it came from, and the problems found (their
    /// <see cref="ManifestProblem.Kustomization"/> is the file).</summary>
    public static async Task<(IReadOnlyList<(string Source, JsonObject Object)> Documents, IReadOnlyList<ManifestProblem> Problems)> ValidateAsync(
        string node, IEnumerable<string> files)
    {
        var validation = await ExternalProcess.RunAsync(node,
            [Path.Combine(Repository.Validation, "validate-manifests.mjs"), Repository.NodeModules,
             Path.Combine(Repository.Validation, "custom-resources.schema.json"), .. files],
            TimeSpan.FromMinutes(2));
        if (validation.ExitCode != 0)
        {
            throw new InvalidOperationException($"validate-manifests.mjs failed: {ExternalProcess.Describe(validation)}");
        }

        try
        {
            var report = JsonNode.Parse(validation.StandardOutput)!.AsObject();
            var documents = report["documents"]!.AsArray()
                .Select(d => ((string)d!["source"]!, d["object"]!.DeepClone().AsObject()))
                .ToList();
            var problems = report["problems"]!.AsArray()
                .Select(p => new ManifestProblem((string)p!["source"]!, (string)p["kind"]!, (string)p["name"]!, (string)p["message"]!))
                .ToList();
            return (documents, problems);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException("validate-manifests.mjs printed something that is not its JSON report", e);
        }
    }
}

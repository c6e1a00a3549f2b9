using System.Net;
using MailMesh.Deploy.Tests.Infrastructure;
using MailMesh.Testing;

namespace MailMesh.Deploy.Tests;

/// <summary>The HTTP paths the manifests point the kubelet and Prometheus at answer on a running silo.</summary>
public sealed class SiloProbeTests
{
    [SkippableFact]
    public async Task ProbeAndScrapePaths_OfEverySiloWorkload_AnswerOkOnARunningSilo()
    {
        var rendered = await RenderedManifests.LoadAsync();
        var workloads = rendered.Kustomizations.SelectMany(k => SiloWorkload.In([.. rendered.Of(k)])).ToList();
        var paths = workloads
            .SelectMany(w => new[] { "startupProbe", "readinessProbe", "livenessProbe" }.Select(p => (string?)w.Container[p]?["httpGet"]?["path"]))
            .Concat(workloads.Select(w => (string?)w.Manifest.Object["spec"]!["template"]!["metadata"]?["annotations"]?["prometheus.io/path"]))
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .ToList();
        Assert.Contains("/healthz/ready", paths);
        Assert.Contains("/healthz/live", paths);

        await using var silo = await DeploySilo.StartAsync();
        using var http = new HttpClient { BaseAddress = silo.HttpAddress, Timeout = TimeSpan.FromSeconds(30) };
        foreach (var path in paths)
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MailMesh.Deploy.Tests.Infrastructure;
using MailMesh.Silo.Hosting;
using MailMesh.Testing;

namespace MailMesh.Deploy.Tests;

/// <summary>The silo workloads of every rendered kustomization set only what the silo reads, on the ports it
/// listens on, and give it the time and the writable directories it needs.</summary>
public sealed partial class SiloManifestTests
{
    [SkippableFact]
    public async Task Environment_OfEverySiloWorkload_IsReadByTheSilo()
    {
        var problems = new List<string>();
        foreach (var workload in await AllSiloWorkloadsAsync())
        {
            var referenced = workload.Environment.SelectMany(e => VariableReference().Matches(e.Value ?? "").Select(m => m.Groups[1].Value)).ToHashSet();
            foreach (var entry in workload.Environment.DistinctBy(e => e.Name))
            {
                // A variable that only feeds $(NAME) references of later ones (connection string parts) is fine.
                if (SiloSettings.Check(entry.Name) is { } problem && !referenced.Contains(entry.Name))
                {
                    problems.Add($"{workload} ({entry.Source}): {problem}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [SkippableFact]
    public async Task VariableReferences_OfEverySiloWorkload_NameVariablesDefinedBefore()
    {
        var problems = new List<string>();
        foreach (var workload in await AllSiloWorkloadsAsync())
        {
            var defined = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in workload.Environment)
            {
                foreach (Match m in VariableReference().Matches(entry.Value ?? ""))
                {
                    // Kubernetes expands $(NAME) only from variables defined earlier; otherwise the text stays literal.
                    if (!defined.Contains(m.Groups[1].Value))
                    {
                        problems.Add($"{workload}: {entry.Name} references $({m.Groups[1].Value}), which is not defined before it");
                    }
                }

                defined.Add(entry.Name);
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [SkippableFact]
    public async Task Ports_OfEverySiloWorkload_MatchKestrelEndpointsProbesServicesAndScrapeAnnotations()
    {
        var rendered = await RenderedManifests.LoadAsync();
        var problems = new List<string>();
        foreach (var kustomization in rendered.Kustomizations)
        {
            var objects = rendered.Of(kustomization).ToList();
            foreach (var workload in SiloWorkload.In(objects))
            {
                var ports = workload.ContainerPorts.ToDictionary(p => (string)p["name"]!, p => (int)p["containerPort"]!);
                foreach (var (endpoint, portName) in new[] { ("HTTP", "http"), ("GRPC", "grpc") })
                {
                    var url = workload.Effective($"MAILMESH__KESTREL__ENDPOINTS__{endpoint}__URL");
                    var port = url is null ? null : UrlPort().Match(url) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : (int?)null;
                    if (port is null)
                    {
                        problems.Add($"{workload}: MAILMESH__KESTREL__ENDPOINTS__{endpoint}__URL is '{url}', not a URL with a port on all interfaces");
                    }
                    else if (!ports.TryGetValue(portName, out var containerPort) || containerPort != port)
                    {
                        problems.Add($"{workload}: Kestrel's {endpoint} endpoint listens on {port}, but container port '{portName}' is {(ports.TryGetValue(portName, out var p) ? p : "missing")}");
                    }

                    if (url is not null && !url.Contains("0.0.0.0", StringComparison.Ordinal) && !url.Contains("[::]", StringComparison.Ordinal) && !url.Contains('*', StringComparison.Ordinal))
                    {
                        problems.Add($"{workload}: {endpoint} endpoint {url} does not listen on all interfaces (the pod's IP)");
                    }
                }

                foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
                {
                    var port = workload.Container[probe]?["httpGet"]?["port"];
                    if (port is null)
                    {
                        problems.Add($"{workload}: no HTTP {probe}");
                    }
                    else if (port.ToString() != "http" && port.ToString() != ports.GetValueOrDefault("http").ToString(System.Globalization.CultureInfo.InvariantCulture))
                    {
                        problems.Add($"{workload}: {probe} uses port {port}, not the HTTP/1.1 listener 'http'");
                    }
                }

                var annotations = workload.Manifest.Object["spec"]!["template"]!["metadata"]?["annotations"];
                if ((string?)annotations?["prometheus.io/port"] != ports.GetValueOrDefault("http").ToString(System.Globalization.CultureInfo.InvariantCulture) ||
                    (string?)annotations?["prometheus.io/path"] != workload.Effective("MAILMESH__TELEMETRY__PROMETHEUSPATH"))
                {
                    problems.Add($"{workload}: prometheus.io/port and /path annotations ({annotations?["prometheus.io/port"]}, {annotations?["prometheus.io/path"]}) are not the http port and Telemetry:PrometheusPath");
                }
            }

            foreach (var service in objects.Where(o => o.Kind == "Service"))
            {
                var selector = service.Object["spec"]!["selector"]?.AsObject();
                var selected = SiloWorkload.In(objects).Where(w => selector is not null && Selects(selector, w.TemplateLabels)).ToList();
                if (service.Name.StartsWith("mailmesh", StringComparison.Ordinal) && selected.Count == 0)
                {
                    problems.Add($"{service}: selects no silo pods");
                }

                foreach (var workload in selected)
                {
                    foreach (var servicePort in service.Object["spec"]!["ports"]!.AsArray())
                    {
                        var target = servicePort!["targetPort"]!.ToString();
                        if (!workload.ContainerPorts.Any(p => (string?)p["name"] == target || p["containerPort"]!.ToString() == target))
                        {
                            problems.Add($"{service}: targetPort {target} is no container port of {workload}");
                        }
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [SkippableFact]
    public async Task TerminationGracePeriod_OfEverySiloWorkload_OutlastsTheShutdownDrainAndPreStopPause()
    {
        foreach (var workload in await AllSiloWorkloadsAsync())
        {
            var drain = workload.Effective("MAILMESH__SILO__SHUTDOWNTIMEOUT") is { } text
                ? TimeSpan.Parse(text, System.Globalization.CultureInfo.InvariantCulture)
                : new SiloOptions().ShutdownTimeout;
            var preStop = (int?)workload.Container["lifecycle"]?["preStop"]?["sleep"]?["seconds"] ?? 0;
            var grace = (int?)workload.Pod["terminationGracePeriodSeconds"] ?? 30;

            Assert.True(grace > drain.TotalSeconds + preStop,
                $"{workload}: terminationGracePeriodSeconds {grace} does not outlast Silo:ShutdownTimeout {drain} plus the preStop pause {preStop} s; the kubelet would kill a draining silo");
        }
    }

    [SkippableFact]
    public async Task SecurityContext_OfEverySiloWorkload_RunsNonRootOnAReadOnlyRootWithWritableDataAndTmp()
    {
        foreach (var workload in await AllSiloWorkloadsAsync())
        {
            var container = workload.Container;
            Assert.True((bool?)container["securityContext"]?["readOnlyRootFilesystem"] == true, $"{workload}: root filesystem is writable");
            Assert.True((bool?)container["securityContext"]?["allowPrivilegeEscalation"] == false, $"{workload}: allows privilege escalation");
            Assert.True((bool?)workload.Pod["securityContext"]?["runAsNonRoot"] == true, $"{workload}: may run as root");
            Assert.Equal(Dockerfile.Load().Final.User?.Uid, (int?)workload.Pod["securityContext"]?["runAsUser"]);
            var mounts = container["volumeMounts"]!.AsArray().ToDictionary(m => (string)m!["mountPath"]!, m => (bool?)m!["readOnly"] ?? false);
            var dataDirectory = workload.Effective("MAILMESH__SILO__DATADIRECTORY");
            Assert.True(dataDirectory is not null && mounts.TryGetValue(dataDirectory, out var dataReadOnly) && !dataReadOnly,
                $"{workload}: the data directory {dataDirectory} is not a writable volume");
            Assert.True(mounts.TryGetValue("/tmp", out var tmpReadOnly) && !tmpReadOnly, $"{workload}: /tmp is not a writable volume");
        }
    }

    private static async Task<List<SiloWorkload>> AllSiloWorkloadsAsync()
    {
        var rendered = await RenderedManifests.LoadAsync();
        var workloads = rendered.Kustomizations.SelectMany(k => SiloWorkload.In([.. rendered.Of(k)])).ToList();
        Assert.NotEmpty(workloads);
        return workloads;
    }

    private static bool Selects(JsonObject selector, JsonObject? labels) =>
        labels is not null && selector.All(s => (string?)labels[s.Key] == (string?)s.Value);

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"^https?://[^/]+:(\d+)/?$")]
    private static partial Regex UrlPort();
}

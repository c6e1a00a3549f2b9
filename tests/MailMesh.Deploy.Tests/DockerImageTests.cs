using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Deploy.Tests.Infrastructure;
using MailMesh.Testing;
using Xunit.Abstractions;

namespace MailMesh.Deploy.Tests;

/// <summary>The image built from the Dockerfile without a Docker engine (<see cref="DockerImage"/>: the build stage's
/// restore and publish as written, the final stage's filesystem laid out) and run the way the embedded pod runs it: as the
/// image's user with every capability dropped, on a read-only root with writable tmpfs volumes only where the pod mounts
/// volumes, in a network namespace of its own, with the image's and the pod's environment.</summary>
[Collection(SoloCollection.Name)]
public sealed class DockerImageTests(ITestOutputHelper output)
{
    /// <summary>The pod's address inside its network namespace (TEST-NET-1): reaching the silo on it proves it listens
    /// on all interfaces, as the kubelet's probes and the Services need.</summary>
    private const string PodAddress = "192.0.2.10";

    [SkippableFact]
    public async Task Image_RunAsTheEmbeddedPod_AnswersOnEveryExposedPortAndStopsOnSigtermWithinTheGracePeriod()
    {
        await Tools.RequireContainerToolsAsync();
        var pod = await EmbeddedPod.LoadAsync();
        var dockerfile = Dockerfile.Load();
        var clock = Stopwatch.StartNew();
        using var image = await DockerImage.BuildAsync(dockerfile, BuildContext.Load(), TimeSpan.FromMinutes(15));
        foreach (var step in image.Steps)
        {
            output.WriteLine(step);
        }

        output.WriteLine($"image built in {clock.Elapsed.TotalSeconds:0} s");

        var settings = ContainerSettingsFor(image, pod);
        await using var container = image.Root.Start(image.Stage.Entrypoint!.Arguments, settings);
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { ConnectCallback = (c, ct) => ConnectInPodAsync(container, c, ct) })
            {
                Timeout = TimeSpan.FromSeconds(30),
            };
            var httpPort = Port(pod, "http");
            var startup = pod.Container["startupProbe"]!;
            var startupBudget = TimeSpan.FromSeconds((int)startup["periodSeconds"]! * (int)startup["failureThreshold"]!);
            clock.Restart();
            await WaitUntilReadyAsync(container, http, new Uri($"http://{PodAddress}:{httpPort}{startup["httpGet"]!["path"]}"), startupBudget);
            output.WriteLine($"ready after {clock.Elapsed.TotalSeconds:0.0} s (startup probe allows {startupBudget.TotalSeconds:0} s)");

            // Exactly the exposed ports are listening (nothing else, e.g. the base image's ASPNETCORE_HTTP_PORTS=8080).
            Assert.Equal(image.Stage.ExposedPorts.Select(p => p.Port).Order(), ListeningPorts(container).Order());

            foreach (var probe in new[] { "readinessProbe", "livenessProbe" })
            {
                var path = (string)pod.Container[probe]!["httpGet"]!["path"]!;
                using var response = await http.GetAsync(new Uri($"http://{PodAddress}:{httpPort}{path}"));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{probe} GET {path} answered {(int)response.StatusCode}");
            }

            var metricsPath = (string)pod.Manifest.Object["spec"]!["template"]!["metadata"]!["annotations"]!["prometheus.io/path"]!;
            var metrics = await http.GetStringAsync(new Uri($"http://{PodAddress}:{httpPort}{metricsPath}"));
            Assert.Contains("# TYPE", metrics, StringComparison.Ordinal);

            // The operator's first key, from the logs as k8s/README.md tells operators to find it, then a gRPC call over h2c.
            var key = AdminKey(container.Output);
            using var grpc = new MailMeshClient(new Uri($"http://{PodAddress}:{Port(pod, "grpc")}"), new GrpcChannelOptions
            {
                ApiKey = key,
                DefaultTimeout = TimeSpan.FromSeconds(30),
                HttpHandler = new SocketsHttpHandler { ConnectCallback = (c, ct) => ConnectInPodAsync(container, c, ct) },
            });
            var status = await grpc.Status.GetAsync(new GetStatusRequest());
            Assert.Equal("system", status.Tenant);

            using var tracking = await http.GetAsync(new Uri($"http://{PodAddress}:{Port(pod, "tracking")}/"));
            Assert.Equal(HttpStatusCode.NotFound, tracking.StatusCode);

            // The silo's state went to the data volume; everything else is read-only.
            var dataDirectory = settings.Environment.Last(e => e.Key == "MAILMESH__SILO__DATADIRECTORY").Value;
            Assert.True(File.Exists(Path.Combine(container.HostPathOf(dataDirectory), "mailmesh.db")), $"no mailmesh.db in {dataDirectory}");

            // SIGTERM to PID 1 (the kubelet's stop, after the preStop pause); the pod's grace period covers both.
            Assert.Equal("dotnet", container.InitProgram());
            var grace = TimeSpan.FromSeconds((int?)pod.Pod["terminationGracePeriodSeconds"] ?? 30);
            var preStop = TimeSpan.FromSeconds((int?)pod.Container["lifecycle"]?["preStop"]?["sleep"]?["seconds"] ?? 0);
            clock.Restart();
            container.Terminate();
            Assert.True(await container.WaitForExitAsync(grace - preStop),
                $"the silo did not exit within {(grace - preStop).TotalSeconds:0} s of SIGTERM (terminationGracePeriodSeconds {grace.TotalSeconds:0} minus the preStop pause); the kubelet would kill it");
            output.WriteLine($"exited {clock.Elapsed.TotalSeconds:0.0} s after SIGTERM with exit code {container.ExitCode}");
            Assert.Equal(0, container.ExitCode);

            var errors = container.Output.Where(l => l.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || l.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal)).ToList();
            Assert.True(errors.Count == 0, "the silo logged errors:\n" + string.Join('\n', errors));
        }
        finally
        {
            foreach (var line in container.Output.TakeLast(80))
            {
                output.WriteLine(line);
            }
        }
    }

    [SkippableFact]
    public async Task EmbeddedPod_ReadFromItsFiles_IsWhatKustomizeRenders()
    {
        var rendered = await RenderedManifests.LoadAsync();
        var fromFiles = await EmbeddedPod.LoadAsync();
        var fromKustomize = Assert.Single(SiloWorkload.In([.. rendered.Of(EmbeddedPod.Kustomization)]));

        Assert.Equal(fromKustomize.Environment.Select(e => (e.Name, e.Value)), fromFiles.Environment.Select(e => (e.Name, e.Value)));
        foreach (var field in new[] { "ports", "volumeMounts", "securityContext", "lifecycle", "startupProbe", "readinessProbe", "livenessProbe", "env" })
        {
            Assert.True(JsonNode.DeepEquals(fromKustomize.Container[field], fromFiles.Container[field]), $"container {field} differs from the rendered StatefulSet");
        }

        foreach (var field in new[] { "securityContext", "terminationGracePeriodSeconds" })
        {
            Assert.True(JsonNode.DeepEquals(fromKustomize.Pod[field], fromFiles.Pod[field]), $"pod {field} differs from the rendered StatefulSet");
        }
    }

    /// <summary>The pod's view of the image: its entrypoint's environment (image ENV, then the ConfigMap and env of the
    /// pod, which win), its user with the pod's fsGroup, tmpfs where it mounts writable volumes, read-only root.</summary>
    private static ContainerSettings ContainerSettingsFor(DockerImage image, SiloWorkload pod)
    {
        var user = image.Stage.User!;
        var podSecurity = pod.Pod["securityContext"]!;
        var container = pod.Container;
        Assert.True((bool?)container["securityContext"]?["readOnlyRootFilesystem"] == true, $"{pod}: the root filesystem is writable");
        var fsGroup = (int?)podSecurity["fsGroup"];
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in image.Environment.Concat(EmbeddedPod.ResolveEnvironment(pod)))
        {
            environment[name] = value;
        }

        environment.TryAdd("HOME", BaseImageStandIn.HomeOf(user.Uid!.Value));
        var volumes = container["volumeMounts"]!.AsArray()
            .Where(m => (bool?)m!["readOnly"] != true)
            .Select(m => ((string)m!["mountPath"]!, fsGroup ?? user.Gid!.Value))
            .ToList();
        return new ContainerSettings(
            image.Workdir,
            [.. environment],
            new ContainerUser(user.Uid.Value, user.Gid!.Value, fsGroup is { } g ? [g] : []),
            Volumes: volumes,
            ReadOnlyRoot: true,
            PodAddress: PodAddress);
    }

    private static async ValueTask<Stream> ConnectInPodAsync(ContainerProcess container, SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port);
        var socket = await LinuxNative.ConnectInNetworkNamespaceAsync(container.Pid, endpoint, cancellationToken);
        return new NetworkStream(socket, ownsSocket: true);
    }

    private static async Task WaitUntilReadyAsync(ContainerProcess container, HttpClient http, Uri ready, TimeSpan budget)
    {
        var deadline = Stopwatch.StartNew();
        string last = "no answer yet";
        while (deadline.Elapsed < budget)
        {
            if (container.HasExited)
            {
                throw new InvalidOperationException($"the silo exited with code {container.ExitCode} before {ready} answered:\n" + string.Join('\n', container.Output.TakeLast(40)));
            }

            try
            {
                using var response = await http.GetAsync(ready);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }

            // The startup probe's own rhythm is 2 s; a quarter of a second keeps the measured start-up close.
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        throw new TimeoutException($"{ready} did not answer 200 within the startup probe's {budget.TotalSeconds:0} s (last: {last}):\n" + string.Join('\n', container.Output.TakeLast(40)));
    }

    /// <summary>The TCP ports in LISTEN state in the container's network namespace (/proc/PID/net/tcp and tcp6).</summary>
    private static IEnumerable<int> ListeningPorts(ContainerProcess container)
    {
        const string Listen = "0A";
        return new[] { "tcp", "tcp6" }
            .SelectMany(f => File.ReadLines($"/proc/{container.InitPid()}/net/{f}").Skip(1))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[3] == Listen)
            .Select(f => int.Parse(f[1][(f[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            .Distinct();
    }

    private static int Port(SiloWorkload pod, string name) =>
        (int)pod.ContainerPorts.Single(p => (string?)p["name"] == name)["containerPort"]!;

    /// <summary>The secret of the first admin key from the silo's JSON console log (event 4101).</summary>
    private static string AdminKey(IReadOnlyList<string> lines)
    {
        foreach (var line in lines.Where(l => l.StartsWith('{')))
        {
            using var entry = JsonDocument.Parse(line);
            if (entry.RootElement.TryGetProperty("EventId", out var id) && id.GetInt32() == 4101)
            {
                return entry.RootElement.GetProperty("State").GetProperty("Secret").GetString()!;
            }
        }

        throw new InvalidOperationException("the silo's log has no first-admin-key line (event 4101):\n" + string.Join('\n', lines.Take(40)));
    }
}

using System.Net;
using MailMesh.Api.V1;
using MailMesh.Client;
using MailMesh.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MailMesh.Telemetry.Tests;

public sealed class SiloTelemetryTests
{
    [Fact]
    public async Task Metrics_AfterGrpcCalls_ServesGrainRpcAndRuntimeFamiliesInTheTextFormat()
    {
        await using var silo = await TelemetrySilo.StartAsync();
        await silo.Client.Status.GetAsync(new GetStatusRequest());
        using var http = new HttpClient { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var families = ExpositionParser.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(families["mailmesh_grain_calls_total"].Samples, s => s.Labels["outcome"] == "ok" && s.Value > 0);
        Assert.Equal("histogram", families["mailmesh_grain_turn_duration_seconds"].Type);
        Assert.Contains(families["mailmesh_grain_activations"].Samples, s => s.Value > 0);
        Assert.Contains(families["rpc_server_duration_seconds"].Samples,
            s => s.Labels.GetValueOrDefault("rpc_service") == "mailmesh.v1.Status" && s.Labels["rpc_method"] == "Get" && s.Labels["rpc_grpc_status_code"] == "0");
        Assert.Contains("dotnet_process_cpu_time_seconds_total", families.Keys);
        Assert.Contains("http_server_request_duration_seconds", families.Keys);
    }

    [Fact]
    public async Task Metrics_EmbeddedSilo_ServesRelayLeaderStorageAndProcessRuntimeFamiliesWithHelpAndType()
    {
        await using var silo = await TelemetrySilo.StartAsync();
        await silo.Client.Mailboxes.CreateAsync(new CreateMailboxRequest { Name = "metrics", DisplayName = "metrics" });
        using var http = new HttpClient { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        var families = ExpositionParser.Parse(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));

        Assert.Equal(1, families["mailmesh_relay_leader"].Samples.Single(s => s.Labels["relay"] == "webhook").Value);
        var db = families["db_client_operation_duration_seconds"];
        Assert.Equal("histogram", db.Type);
        Assert.Contains(db.Samples, s => s.Labels.GetValueOrDefault("db_system_name") == "sqlite" && s.Labels.GetValueOrDefault("db_operation_name") == "write");
        Assert.Equal("gauge", families["dotnet_process_memory_working_set_bytes"].Type);
        Assert.Equal("counter", families["dotnet_gc_collections_total"].Type);
        Assert.Contains(families.Keys, k => k.StartsWith("dotnet_thread_pool_thread_count", StringComparison.Ordinal));
        Assert.Contains("dotnet_gc_pause_time_seconds_total", families.Keys);
        Assert.All(families.Values.Where(f => f.Name.StartsWith("mailmesh_", StringComparison.Ordinal) || f.Name.StartsWith("db_", StringComparison.Ordinal)),
            f => Assert.False(string.IsNullOrEmpty(f.Help) || string.IsNullOrEmpty(f.Type), f.Name + " lacks HELP or TYPE"));
    }

    [Fact]
    public async Task GrpcCall_WithTraceParent_ServerSpanAndGrainSpansJoinTheCallersTrace()
    {
        using var recorder = new ActivityRecorder();
        await using var silo = await TelemetrySilo.StartAsync("--Telemetry:TracingEnabled", "true");
        var trace = System.Diagnostics.ActivityTraceId.CreateRandom();
        var parent = System.Diagnostics.ActivitySpanId.CreateRandom();

        await silo.Client.Status.GetAsync(new GetStatusRequest(),
            new CallOptions { Headers = new CallMetadata().Add("traceparent", $"00-{trace}-{parent}-01") });

        var spans = recorder.InTrace(trace);
        var rpc = spans.Single(a => a.DisplayName == "mailmesh.v1.Status/Get");
        Assert.Equal(System.Diagnostics.ActivityKind.Server, rpc.Kind);
        Assert.Contains(spans, a => a.DisplayName.StartsWith("grain ", StringComparison.Ordinal) && a.ParentSpanId == rpc.SpanId);
        var http = spans.Single(a => a.SpanId == rpc.ParentSpanId);
        Assert.Equal(parent, http.ParentSpanId);
    }

    [Fact]
    public async Task Metrics_AfterTelemetryShutDown_Returns503SayingWhy()
    {
        await using var silo = await TelemetrySilo.StartAsync();
        silo.App.Services.GetRequiredService<TelemetryProviders>().Dispose();
        using var http = new HttpClient { BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("shutting down", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MalformedOtlpEndpoint_FailsNamingTheVariable()
    {
        var e = Assert.Throws<OptionsValidationException>(() => SiloHost.Build([
            "--Silo:DataDirectory", Path.Combine(Path.GetTempPath(), "mailmesh-telemetry-" + Guid.NewGuid().ToString("N")),
            "--OTEL_EXPORTER_OTLP_ENDPOINT", "otel-collector:4317"]));

        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT is 'otel-collector:4317'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_TraceSampleRatioAboveOne_FailsNamingTheSetting()
    {
        var e = Assert.Throws<OptionsValidationException>(() => SiloHost.Build([
            "--Silo:DataDirectory", Path.Combine(Path.GetTempPath(), "mailmesh-telemetry-" + Guid.NewGuid().ToString("N")),
            "--Telemetry:TraceSampleRatio", "2"]));

        Assert.Contains("Telemetry:TraceSampleRatio", e.Message, StringComparison.Ordinal);
    }
}

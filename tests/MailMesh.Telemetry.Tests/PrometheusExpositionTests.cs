using System.Diagnostics.Metrics;
using MailMesh.Telemetry.Prometheus;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace MailMesh.Telemetry.Tests;

public sealed class PrometheusExpositionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Scrape_CounterGaugeAndHistogram_FollowsTheTextFormat()
    {
        using var meter = new Meter("MailMesh.Test." + Guid.NewGuid().ToString("N"));
        var reader = new PrometheusMetricReader();
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(meter.Name).AddReader(reader).Build();
        var sent = meter.CreateCounter<long>("mailmesh.test.sends", "{message}", "Messages sent.");
        var latency = meter.CreateHistogram<double>("mailmesh.test.latency", "s", "Send latency.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 1] });
        meter.CreateObservableGauge("mailmesh.test.depth", () => 7L, "{item}", "Queue depth.");
        sent.Add(3, new KeyValuePair<string, object?>("outcome", "ok"));
        sent.Add(1, new KeyValuePair<string, object?>("outcome", "deferred"));
        latency.Record(0.05);
        latency.Record(0.5);
        latency.Record(5);

        var text = await reader.ScrapeAsync(Timeout);

        Assert.NotNull(text);
        var families = ExpositionParser.Parse(text);
        var sends = families["mailmesh_test_sends_total"];
        Assert.Equal("counter", sends.Type);
        Assert.Equal("Messages sent.", sends.Help);
        Assert.Equal(3, sends.Samples.Single(s => s.Labels["outcome"] == "ok").Value);
        Assert.Equal(1, sends.Samples.Single(s => s.Labels["outcome"] == "deferred").Value);
        Assert.Equal("gauge", families["mailmesh_test_depth"].Type);
        Assert.Equal(7, families["mailmesh_test_depth"].Samples.Single().Value);
        var histogram = families["mailmesh_test_latency_seconds"];
        Assert.Equal("histogram", histogram.Type);
        Assert.Equal([1.0, 2.0, 3.0], histogram.Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal)).Select(s => s.Value));
        Assert.Equal(["0.1", "1", "+Inf"], histogram.Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal)).Select(s => s.Labels["le"]));
        Assert.Equal(5.55, histogram.Samples.Single(s => s.Name.EndsWith("_sum", StringComparison.Ordinal)).Value, 6);
        Assert.Equal(3, histogram.Samples.Single(s => s.Name.EndsWith("_count", StringComparison.Ordinal)).Value);
    }

    [Fact]
    public async Task Scrape_LabelValueWithQuoteBackslashAndNewline_IsEscaped()
    {
        using var meter = new Meter("MailMesh.Test." + Guid.NewGuid().ToString("N"));
        var reader = new PrometheusMetricReader();
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(meter.Name).AddReader(reader).Build();
        meter.CreateCounter<long>("mailmesh.test.odd", null, "Help with \\ and\nnewline").Add(1, new KeyValuePair<string, object?>("who.am-i", "a\"b\\c\nd"));

        var text = await reader.ScrapeAsync(Timeout);

        Assert.Contains("# HELP mailmesh_test_odd_total Help with \\\\ and\\nnewline\n", text, StringComparison.Ordinal);
        Assert.Contains("mailmesh_test_odd_total{who_am_i=\"a\\\"b\\\\c\\nd\"} 1\n", text, StringComparison.Ordinal);
        Assert.Equal("a\"b\\c\nd", ExpositionParser.Parse(text!)["mailmesh_test_odd_total"].Samples.Single().Labels["who_am_i"]);
    }

    [Fact]
    public async Task Scrape_AfterTheProviderShutDown_ReturnsNull()
    {
        using var meter = new Meter("MailMesh.Test." + Guid.NewGuid().ToString("N"));
        var reader = new PrometheusMetricReader();
        var provider = Sdk.CreateMeterProviderBuilder().AddMeter(meter.Name).AddReader(reader).Build();
        meter.CreateCounter<long>("mailmesh.test.calls").Add(1);
        provider.Dispose();

        Assert.Null(await reader.ScrapeAsync(Timeout));
    }

    [Theory]
    [InlineData("mailmesh.grain.calls", "{call}", true, false, "mailmesh_grain_calls_total")]
    [InlineData("mailmesh.grain.turn.duration", "s", false, false, "mailmesh_grain_turn_duration_seconds")]
    [InlineData("dotnet.process.memory.working_set", "By", false, true, "dotnet_process_memory_working_set_bytes")]
    [InlineData("mailmesh.sync.lag", "s", false, true, "mailmesh_sync_lag_seconds")]
    [InlineData("cpu.utilization", "1", false, true, "cpu_utilization_ratio")]
    [InlineData("net.throughput", "By/s", false, true, "net_throughput_bytes_per_second")]
    [InlineData("requests.total", "{request}", true, false, "requests_total")]
    [InlineData("9lives", null, false, true, "_9lives")]
    public void MetricName_OpenTelemetryInstrument_FollowsTheCompatibilityRules(string name, string? unit, bool monotonic, bool gauge, string expected) =>
        Assert.Equal(expected, PrometheusNames.MetricName(name, unit, monotonic, gauge));
}

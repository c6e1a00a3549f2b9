using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace MailMesh.Telemetry.Tests;

public sealed class OtlpSettingsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void Read_NothingSet_ExportsNothing()
    {
        var settings = OtlpSettings.Read(Config());

        Assert.Null(settings.TracesEndpoint);
        Assert.Null(settings.MetricsEndpoint);
        Assert.Equal(OtlpExportProtocol.Grpc, settings.Protocol);
    }

    [Fact]
    public void Read_HttpProtobufBaseEndpoint_AppendsTheSignalPaths()
    {
        var settings = OtlpSettings.Read(Config(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")));

        Assert.Equal(new Uri("http://collector:4318/v1/traces"), settings.TracesEndpoint);
        Assert.Equal(new Uri("http://collector:4318/v1/metrics"), settings.MetricsEndpoint);
    }

    [Fact]
    public void Read_SignalEndpoint_OverridesTheBaseAsIs()
    {
        var settings = OtlpSettings.Read(Config(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"), ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "https://metrics:443/custom")));

        Assert.Equal(new Uri("http://collector:4317"), settings.TracesEndpoint);
        Assert.Equal(new Uri("https://metrics:443/custom"), settings.MetricsEndpoint);
    }

    [Fact]
    public void Read_SdkDisabled_ExportsNothing()
    {
        var settings = OtlpSettings.Read(Config(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"), ("OTEL_SDK_DISABLED", "true")));

        Assert.Null(settings.TracesEndpoint);
        Assert.Null(settings.MetricsEndpoint);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317", "absolute http:// or https:// URI")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://collector", "absolute http:// or https:// URI")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "'grpc' (the default) or 'http/protobuf'")]
    [InlineData("OTEL_EXPORTER_OTLP_TIMEOUT", "10s", "positive whole number of milliseconds")]
    [InlineData("OTEL_METRIC_EXPORT_INTERVAL", "-5", "positive whole number of milliseconds")]
    [InlineData("OTEL_EXPORTER_OTLP_HEADERS", "api-key", "key=value pairs")]
    public void Read_MalformedVariable_FailsNamingItAndAValidValue(string name, string value, string hint)
    {
        var e = Assert.Throws<FormatException>(() => OtlpSettings.Read(Config((name, value))));

        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.Contains(value, e.Message, StringComparison.Ordinal);
        Assert.Contains(hint, e.Message, StringComparison.Ordinal);
    }
}

using System.Globalization;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace MailMesh.Telemetry;

/// <summary>OTLP export settings from the standard variables: <c>OTEL_SDK_DISABLED</c>,
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, <c>OTEL_EXPORTER_OTLP_{TRACES,METRICS}_ENDPOINT</c>,
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> (<c>grpc</c> or <c>http/protobuf</c>), <c>OTEL_EXPORTER_OTLP_HEADERS</c>,
/// <c>OTEL_EXPORTER_OTLP_TIMEOUT</c> (ms) and <c>OTEL_METRIC_EXPORT_INTERVAL</c> (ms).</summary>
/// <param name="TracesEndpoint">Where spans go; null when not exported.</param>
/// <param name="MetricsEndpoint">Where metrics go; null when not exported.</param>
/// <param name="Protocol">The OTLP transport.</param>
/// <param name="Headers">Extra request headers (<c>key=value,key2=value2</c>), or null.</param>
/// <param name="TimeoutMilliseconds">Per-export timeout.</param>
/// <param name="MetricExportIntervalMilliseconds">Period of metric exports.</param>
public sealed record OtlpSettings(
    Uri? TracesEndpoint, Uri? MetricsEndpoint, OtlpExportProtocol Protocol, string? Headers, int TimeoutMilliseconds, int MetricExportIntervalMilliseconds)
{
    /// <summary>Reads and checks the variables (from configuration, which includes the environment).</summary>
    /// <exception cref="FormatException">A variable is malformed; the message names it and shows a valid value.</exception>
    public static OtlpSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var disabled = configuration["OTEL_SDK_DISABLED"];
        var protocol = ParseProtocol(configuration["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        var timeout = ParseMilliseconds(configuration, "OTEL_EXPORTER_OTLP_TIMEOUT", 10_000);
        var interval = ParseMilliseconds(configuration, "OTEL_METRIC_EXPORT_INTERVAL", 60_000);
        var headers = configuration["OTEL_EXPORTER_OTLP_HEADERS"];
        ValidateHeaders(headers);
        var common = ParseEndpoint(configuration, "OTEL_EXPORTER_OTLP_ENDPOINT");
        var traces = ParseEndpoint(configuration, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ?? SignalEndpoint(common, protocol, "v1/traces");
        var metrics = ParseEndpoint(configuration, "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT") ?? SignalEndpoint(common, protocol, "v1/metrics");
        if (string.Equals(disabled, "true", StringComparison.OrdinalIgnoreCase))
        {
            traces = metrics = null;
        }

        return new OtlpSettings(traces, metrics, protocol, headers, timeout, interval);
    }

    /// <summary>Copies the settings of one signal into the exporter's options.</summary>
    public void Apply(OtlpExporterOptions options, Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Endpoint = endpoint;
        options.Protocol = Protocol;
        options.TimeoutMilliseconds = TimeoutMilliseconds;
        if (Headers is not null)
        {
            options.Headers = Headers;
        }
    }

    // The base endpoint of http/protobuf gets the signal's path appended (OTLP exporter specification); gRPC uses it as is.
    private static Uri? SignalEndpoint(Uri? common, OtlpExportProtocol protocol, string path) =>
        common is null ? null : protocol == OtlpExportProtocol.Grpc ? common : new Uri(common.AbsoluteUri.TrimEnd('/') + "/" + path);

    private static Uri? ParseEndpoint(IConfiguration configuration, string name)
    {
        var value = configuration[name];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) ||
            string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException(
                $"{name} is '{value}'; it must be an absolute http:// or https:// URI such as http://otel-collector:4317 (grpc) or http://otel-collector:4318 (http/protobuf).");
        }

        return uri;
    }

    private static OtlpExportProtocol ParseProtocol(string? value) => value?.Trim() switch
    {
        null or "" or "grpc" => OtlpExportProtocol.Grpc,
        "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
        _ => throw new FormatException($"OTEL_EXPORTER_OTLP_PROTOCOL is '{value}'; use 'grpc' (the default) or 'http/protobuf'."),
    };

    private static int ParseMilliseconds(IConfiguration configuration, string name, int fallback)
    {
        var value = configuration[name];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (!int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms <= 0)
        {
            throw new FormatException($"{name} is '{value}'; it must be a positive whole number of milliseconds such as {fallback}.");
        }

        return ms;
    }

    private static void ValidateHeaders(string? headers)
    {
        if (string.IsNullOrWhiteSpace(headers))
        {
            return;
        }

        foreach (var pair in headers.Split(','))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || string.IsNullOrWhiteSpace(pair[..equals]))
            {
                throw new FormatException($"OTEL_EXPORTER_OTLP_HEADERS has '{pair}'; write comma-separated key=value pairs such as 'api-key=secret,tenant=a'.");
            }
        }
    }
}

using Microsoft.Extensions.Logging;

namespace MailMesh.Telemetry.Internal;

internal static partial class Log
{
    [LoggerMessage(EventId = 9001, Level = LogLevel.Information,
        Message = "Telemetry: OTLP metrics {MetricsEndpoint}, OTLP traces {TracesEndpoint} ({Protocol}), Prometheus endpoint {Prometheus}")]
    public static partial void TelemetryStarted(ILogger logger, string metricsEndpoint, string tracesEndpoint, string protocol, bool prometheus);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Metrics scrape refused: {Reason}")]
    public static partial void ScrapeRefused(ILogger logger, string reason);
}

namespace MailMesh.Telemetry;

/// <summary>Observability settings. Section <c>Telemetry</c> (environment <c>MAILMESH__TELEMETRY__…</c>); OTLP export is
/// configured by the standard <c>OTEL_EXPORTER_OTLP_*</c> variables (see <see cref="OtlpSettings"/>).</summary>
public sealed class TelemetryOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Telemetry";

    /// <summary><c>service.name</c> of traces and metrics unless <c>OTEL_SERVICE_NAME</c> is set.</summary>
    public string ServiceName { get; set; } = "mailmesh-silo";

    /// <summary>Serve the Prometheus text endpoint.</summary>
    public bool PrometheusEnabled { get; set; } = true;

    /// <summary>Path of the Prometheus text endpoint.</summary>
    public string PrometheusPath { get; set; } = "/metrics";

    /// <summary>How long one scrape may take to collect.</summary>
    public TimeSpan ScrapeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Record spans even without an OTLP traces endpoint (e.g. for an in-process listener). Spans are
    /// always recorded when an OTLP traces endpoint is configured.</summary>
    public bool TracingEnabled { get; set; }

    /// <summary>Fraction of new traces sampled (0–1); spans whose remote parent was sampled are always recorded.</summary>
    public double TraceSampleRatio { get; set; } = 1.0;
}

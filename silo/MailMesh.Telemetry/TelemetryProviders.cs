using MailMesh.Telemetry.Internal;
using MailMesh.Telemetry.Prometheus;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MailMesh.Telemetry;

/// <summary>The process's OpenTelemetry meter and tracer providers, built by hand (no hosting extension): every
/// <c>MailMesh.*</c> meter and activity source plus the .NET runtime and ASP.NET Core ones, read by the Prometheus
/// reader and, when configured, exported over OTLP. Flushed and shut down when the host stops.</summary>
public sealed class TelemetryProviders : IHostedService, IDisposable
{
    /// <summary>Meters recorded besides <c>MailMesh.*</c> (<c>System.Runtime</c> is the process runtime: CPU time,
    /// working set, GC collections, heap and pauses, thread pool threads and queue, exceptions).</summary>
    public static readonly string[] PlatformMeters =
        ["System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http"];

    /// <summary>Activity sources traced besides <c>MailMesh.*</c>: ASP.NET Core requests, outgoing HTTP (webhooks, Azure
    /// Blob Storage) and Npgsql's PostgreSQL commands.</summary>
    public static readonly string[] PlatformSources = ["Microsoft.AspNetCore", "System.Net.Http", "Npgsql"];

    private readonly MeterProvider _meters;
    private readonly TracerProvider? _tracer;
    private readonly ILogger<TelemetryProviders> _logger;
    private readonly OtlpSettings _otlp;
    private int _disposed;

    /// <summary>Builds the providers.</summary>
    public TelemetryProviders(IOptions<TelemetryOptions> options, OtlpSettings otlp, ILogger<TelemetryProviders> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _otlp = otlp;
        _logger = logger;
        var settings = options.Value;
        var resource = ResourceBuilder.CreateDefault()
            .AddService(settings.ServiceName, serviceInstanceId: Environment.GetEnvironmentVariable("POD_NAME") ?? Environment.MachineName)
            .AddEnvironmentVariableDetector();

        var meters = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter("MailMesh.*")
            .AddMeter(PlatformMeters);
        if (settings.PrometheusEnabled)
        {
            Prometheus = new PrometheusMetricReader();
            meters.AddReader(Prometheus);
        }

        if (otlp.MetricsEndpoint is { } metricsEndpoint)
        {
            meters.AddOtlpExporter((exporter, reader) =>
            {
                otlp.Apply(exporter, metricsEndpoint);
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = otlp.MetricExportIntervalMilliseconds;
            });
        }

        _meters = meters.Build();

        if (otlp.TracesEndpoint is not null || settings.TracingEnabled)
        {
            var tracer = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(Math.Clamp(settings.TraceSampleRatio, 0, 1))))
                .AddSource("MailMesh.*")
                .AddSource(PlatformSources);
            if (otlp.TracesEndpoint is { } tracesEndpoint)
            {
                tracer.AddOtlpExporter(exporter => otlp.Apply(exporter, tracesEndpoint));
            }

            _tracer = tracer.Build();
        }
    }

    /// <summary>The reader behind <c>/metrics</c>; null when the endpoint is disabled.</summary>
    public PrometheusMetricReader? Prometheus { get; }

    /// <summary>Whether spans are recorded.</summary>
    public bool IsTracing => _tracer is not null;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Log.TelemetryStarted(_logger, _otlp.MetricsEndpoint?.ToString() ?? "none", _otlp.TracesEndpoint?.ToString() ?? "none",
            _otlp.Protocol.ToString(), Prometheus is not null);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Exports what is pending (within the OTLP timeout) and stops recording.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _tracer?.ForceFlush(_otlp.TimeoutMilliseconds);
        _tracer?.Dispose();
        _meters.ForceFlush(_otlp.TimeoutMilliseconds);
        _meters.Dispose();
    }
}

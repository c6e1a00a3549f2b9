using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace MailMesh.Telemetry.Prometheus;

/// <summary>A pull reader: each scrape collects the meter provider's metrics (cumulative, as Prometheus expects)
/// and renders them as text. One scrape renders at a time; concurrent scrapes wait for it.</summary>
public sealed class PrometheusMetricReader : BaseExportingMetricReader
{
    private readonly PrometheusTextExporter _exporter;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _shutDown;

    /// <summary>Creates the reader; add it to a meter provider with <c>AddReader</c>.</summary>
    public PrometheusMetricReader()
        : this(new PrometheusTextExporter())
    {
    }

    private PrometheusMetricReader(PrometheusTextExporter exporter)
        : base(exporter)
    {
        _exporter = exporter;
        TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
    }

    /// <summary>Collects and renders the metrics; null when the meter provider has shut down (the silo is stopping)
    /// or collection did not finish within <paramref name="timeout"/>.</summary>
    public async Task<string?> ScrapeAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (_shutDown)
        {
            return null;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _exporter.Writer.Reset();
            // A pull exporter is collected through the delegate the reader hands it (that marks the collection as a pull).
            var collect = _exporter.Collect;
            return !_shutDown && collect is not null && collect((int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue)) ? _exporter.Writer.Text : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    protected override bool OnShutdown(int timeoutMilliseconds)
    {
        _shutDown = true;
        return base.OnShutdown(timeoutMilliseconds);
    }

    [ExportModes(ExportModes.Pull)]
    private sealed class PrometheusTextExporter : BaseExporter<Metric>, IPullMetricExporter
    {
        public Func<int, bool>? Collect { get; set; }

        public PrometheusTextWriter Writer { get; } = new();

        public override ExportResult Export(in Batch<Metric> batch)
        {
            Writer.Write(batch);
            return ExportResult.Success;
        }
    }
}

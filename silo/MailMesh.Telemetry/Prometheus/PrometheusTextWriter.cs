using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace MailMesh.Telemetry.Prometheus;

/// <summary>Writes metrics in the Prometheus text exposition format 0.0.4: one <c># HELP</c> and <c># TYPE</c> line
/// per metric family, then its samples; histograms as cumulative <c>_bucket{le="…"}</c> samples ending with
/// <c>le="+Inf"</c>, then <c>_sum</c> and <c>_count</c>.</summary>
internal sealed class PrometheusTextWriter
{
    /// <summary>The content type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new(16 * 1024);
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    /// <summary>Starts a new exposition.</summary>
    public void Reset()
    {
        _text.Clear();
        _written.Clear();
    }

    /// <summary>The exposition written since <see cref="Reset"/>.</summary>
    public string Text => _text.ToString();

    /// <summary>Appends every metric of <paramref name="batch"/>.</summary>
    public void Write(in Batch<Metric> batch)
    {
        foreach (var metric in batch)
        {
            Write(metric);
        }
    }

    private void Write(Metric metric)
    {
        var type = metric.MetricType;
        if (type == MetricType.ExponentialHistogram)
        {
            // Not representable in the text format; the project's views never ask for one.
            return;
        }

        var isMonotonic = type is MetricType.LongSum or MetricType.DoubleSum;
        var isGauge = type is MetricType.LongGauge or MetricType.DoubleGauge or MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic;
        var name = PrometheusNames.MetricName(metric.Name, metric.Unit, isMonotonic, isGauge);
        if (!_written.Add(name))
        {
            // Two instruments map to one name (same name in two meters): the first family wins, as a scrape
            // must not contain a family twice.
            return;
        }

        var promType = type.IsHistogram() ? "histogram" : isMonotonic ? "counter" : "gauge";
        _text.Append("# HELP ").Append(name).Append(' ');
        AppendEscapedHelp(string.IsNullOrEmpty(metric.Description) ? metric.Name : metric.Description);
        _text.Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(promType).Append('\n');
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            if (type.IsHistogram())
            {
                WriteHistogram(name, point);
            }
            else
            {
                var value = type switch
                {
                    MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong(),
                    MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => point.GetSumDouble(),
                    MetricType.LongGauge => point.GetGaugeLastValueLong(),
                    _ => point.GetGaugeLastValueDouble(),
                };
                AppendSample(name, "", point.Tags, null, value);
            }
        }
    }

    private void WriteHistogram(string name, in MetricPoint point)
    {
        long cumulative = 0;
        foreach (var bucket in point.GetHistogramBuckets())
        {
            cumulative += bucket.BucketCount;
            AppendSample(name, "_bucket", point.Tags, bucket.ExplicitBound, cumulative);
        }

        AppendSample(name, "_sum", point.Tags, null, point.GetHistogramSum());
        AppendSample(name, "_count", point.Tags, null, point.GetHistogramCount());
    }

    private void AppendSample(string name, string suffix, ReadOnlyTagCollection tags, double? le, double value)
    {
        _text.Append(name).Append(suffix);
        var first = true;
        foreach (var tag in tags)
        {
            _text.Append(first ? '{' : ',');
            first = false;
            _text.Append(PrometheusNames.LabelName(tag.Key)).Append("=\"");
            AppendEscapedLabel(Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "");
            _text.Append('"');
        }

        if (le is { } bound)
        {
            _text.Append(first ? '{' : ',').Append("le=\"").Append(FormatNumber(bound)).Append('"');
            first = false;
        }

        if (!first)
        {
            _text.Append('}');
        }

        _text.Append(' ').Append(FormatNumber(value)).Append('\n');
    }

    /// <summary>A sample value or bound: Go's float formatting as Prometheus parses it.</summary>
    public static string FormatNumber(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        return double.IsNaN(value) ? "NaN" : value.ToString("R", CultureInfo.InvariantCulture);
    }

    private void AppendEscapedHelp(string help)
    {
        foreach (var c in help)
        {
            _ = c switch
            {
                '\\' => _text.Append(@"\\"),
                '\n' => _text.Append(@"\n"),
                _ => _text.Append(c),
            };
        }
    }

    private void AppendEscapedLabel(string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => _text.Append(@"\\"),
                '\n' => _text.Append(@"\n"),
                '"' => _text.Append("\\\""),
                _ => _text.Append(c),
            };
        }
    }
}

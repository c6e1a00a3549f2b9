using System.Text;

namespace MailMesh.Telemetry.Prometheus;

/// <summary>OpenTelemetry instrument names and units to Prometheus metric names (the OpenTelemetry compatibility
/// rules: invalid characters become '_', the unit becomes a suffix, monotonic sums end in <c>_total</c>).</summary>
internal static class PrometheusNames
{
    /// <summary>The metric name of an instrument.</summary>
    public static string MetricName(string name, string? unit, bool isMonotonicSum, bool isGauge)
    {
        var builder = new StringBuilder(name.Length + 16);
        AppendSanitized(builder, name, allowColon: true);
        var suffix = UnitSuffix(unit, isGauge);
        if (suffix.Length > 0 && !EndsWithWord(builder, suffix))
        {
            builder.Append('_').Append(suffix);
        }

        if (isMonotonicSum && !EndsWithWord(builder, "total"))
        {
            builder.Append("_total");
        }

        return builder.ToString();
    }

    /// <summary>A label name: letters, digits and '_', not starting with a digit.</summary>
    public static string LabelName(string key)
    {
        var builder = new StringBuilder(key.Length + 1);
        AppendSanitized(builder, key, allowColon: false);
        return builder.ToString();
    }

    /// <summary>The unit as a metric-name suffix; empty for annotations (<c>{call}</c>) and dimensionless units.</summary>
    public static string UnitSuffix(string? unit, bool isGauge)
    {
        if (string.IsNullOrEmpty(unit))
        {
            return "";
        }

        // Annotations in braces say what is counted; Prometheus names do not carry them.
        var bare = StripAnnotations(unit);
        if (bare.Length == 0)
        {
            return "";
        }

        if (bare == "1")
        {
            return isGauge ? "ratio" : "";
        }

        var slash = bare.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && slash < bare.Length - 1)
        {
            return Word(bare[..slash]) + "_per_" + PerWord(bare[(slash + 1)..]);
        }

        return Word(bare);
    }

    private static string StripAnnotations(string unit)
    {
        var builder = new StringBuilder(unit.Length);
        var depth = 0;
        foreach (var c in unit)
        {
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0)
            {
                builder.Append(c);
            }
        }

        return builder.ToString().Trim();
    }

    private static string Word(string unit) => unit switch
    {
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "KBy" => "kilobytes",
        "MBy" => "megabytes",
        "GBy" => "gigabytes",
        "bit" => "bits",
        "%" => "percent",
        "Hz" => "hertz",
        "Cel" => "celsius",
        "V" => "volts",
        "A" => "amperes",
        "J" => "joules",
        "W" => "watts",
        "g" => "grams",
        "m" => "meters",
        _ => Sanitized(unit),
    };

    private static string PerWord(string unit) => unit switch
    {
        "s" => "second",
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        _ => Word(unit),
    };

    private static string Sanitized(string text)
    {
        var builder = new StringBuilder(text.Length);
        AppendSanitized(builder, text, allowColon: false);
        return builder.ToString().Trim('_');
    }

    private static bool EndsWithWord(StringBuilder builder, string word) =>
        builder.Length > word.Length && builder[builder.Length - word.Length - 1] == '_' &&
        builder.ToString(builder.Length - word.Length, word.Length) == word;

    private static void AppendSanitized(StringBuilder builder, string text, bool allowColon)
    {
        var start = builder.Length;
        var lastWasUnderscore = false;
        foreach (var c in text)
        {
            var valid = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' || (allowColon && c == ':');
            var next = valid ? c : '_';
            if (next == '_' && lastWasUnderscore)
            {
                continue;
            }

            builder.Append(next);
            lastWasUnderscore = next == '_';
        }

        if (builder.Length == start || char.IsAsciiDigit(builder[start]))
        {
            builder.Insert(start, '_');
        }
    }
}

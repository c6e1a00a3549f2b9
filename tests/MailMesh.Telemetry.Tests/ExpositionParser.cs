using System.Globalization;
using System.Text.RegularExpressions;

namespace MailMesh.Telemetry.Tests;

/// <summary>A strict reader of the Prometheus text format 0.0.4, independent of the writer: it fails on any line the
/// format does not allow, on a sample before its family's TYPE, on a family declared twice, and on histograms whose
/// buckets are not cumulative or do not end with <c>le="+Inf"</c> equal to <c>_count</c>.</summary>
internal static partial class ExpositionParser
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public sealed record Family(string Name, string Type, string Help, List<Sample> Samples);

    public static Dictionary<string, Family> Parse(string text)
    {
        var families = new Dictionary<string, Family>(StringComparer.Ordinal);
        Family? current = null;
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line[7..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                var name = space < 0 ? rest : rest[..space];
                Check(MetricName().IsMatch(name), lineNumber, $"bad metric name '{name}'");
                Check(!families.ContainsKey(name), lineNumber, $"family '{name}' declared twice");
                current = new Family(name, "", space < 0 ? "" : rest[(space + 1)..], []);
                families.Add(name, current);
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ');
                Check(parts.Length == 2 && current is not null && current.Name == parts[0], lineNumber, "TYPE must follow the family's HELP");
                Check(parts[1] is "counter" or "gauge" or "histogram" or "summary" or "untyped", lineNumber, $"unknown type '{parts[1]}'");
                current = current! with { Type = parts[1] };
                families[current.Name] = current;
                continue;
            }

            Check(!line.StartsWith('#'), lineNumber, "unknown comment line");
            var match = SampleLine().Match(line);
            Check(match.Success, lineNumber, $"not a sample line: '{line}'");
            var sampleName = match.Groups["name"].Value;
            Check(current is not null && current.Type.Length > 0, lineNumber, $"sample '{sampleName}' before any TYPE");
            var allowed = current!.Type == "histogram"
                ? new[] { current.Name + "_bucket", current.Name + "_sum", current.Name + "_count" }
                : [current.Name];
            Check(allowed.Contains(sampleName), lineNumber, $"sample '{sampleName}' does not belong to family '{current.Name}' ({current.Type})");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(match.Groups["labels"].Value))
            {
                Check(labels.TryAdd(label.Groups["k"].Value, Unescape(label.Groups["v"].Value)), lineNumber, "duplicate label");
            }

            current.Samples.Add(new Sample(sampleName, labels, ParseValue(match.Groups["value"].Value, lineNumber)));
        }

        foreach (var family in families.Values.Where(f => f.Type == "histogram"))
        {
            CheckHistogram(family);
        }

        return families;
    }

    private static void CheckHistogram(Family family)
    {
        foreach (var series in family.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key).Select(l => l.Key + "=" + l.Value))))
        {
            var buckets = series.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal)).ToList();
            var count = series.Single(s => s.Name.EndsWith("_count", StringComparison.Ordinal)).Value;
            _ = series.Single(s => s.Name.EndsWith("_sum", StringComparison.Ordinal));
            if (buckets.Count == 0 || buckets[^1].Labels["le"] != "+Inf")
            {
                throw new FormatException($"{family.Name}{{{series.Key}}}: the last bucket must be le=\"+Inf\"");
            }

            var previousBound = double.NegativeInfinity;
            var previousCount = 0.0;
            foreach (var bucket in buckets)
            {
                var bound = ParseValue(bucket.Labels["le"], 0);
                if (bound <= previousBound || bucket.Value < previousCount)
                {
                    throw new FormatException($"{family.Name}{{{series.Key}}}: buckets must have rising bounds and cumulative counts");
                }

                (previousBound, previousCount) = (bound, bucket.Value);
            }

            if (previousCount != count)
            {
                throw new FormatException($"{family.Name}{{{series.Key}}}: le=\"+Inf\" is {previousCount} but _count is {count}");
            }
        }
    }

    private static double ParseValue(string text, int line) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"line {line}: bad number '{text}'"),
    };

    private static string Unescape(string value) => value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    private static void Check(bool condition, int line, string problem)
    {
        if (!condition)
        {
            throw new FormatException($"line {line}: {problem}");
        }
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*)\})? (?<value>\S+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<v>([^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex LabelPair();
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>One PromQL query of one dashboard panel.</summary>
internal sealed record PanelQuery(string Dashboard, string Panel, string RefId, string Expression)
{
    public override string ToString() => $"{Dashboard} / {Panel} [{RefId}]: {Expression}";
}

/// <summary>The Grafana dashboards in k8s/observability/dashboards.</summary>
internal static partial class Dashboards
{
    /// <summary>The data source uid the dashboards name (k8s/observability/grafana-datasources.yaml).</summary>
    public const string DataSourceUid = "prometheus";

    /// <summary>Grafana's built-in interval variables, replaced before a query goes to Prometheus itself. The rate
    /// window is generous so that a query run a little after the work still covers it.</summary>
    public static readonly IReadOnlyDictionary<string, string> BuiltInVariables = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["$__rate_interval"] = "5m",
        ["$__interval"] = "15s",
        ["$__range"] = "1h",
    };

    public static IReadOnlyList<string> Files() =>
        [.. Directory.EnumerateFiles(Repository.Dashboards, "*.json").Order(StringComparer.Ordinal)];

    public static JsonObject Load(string file) =>
        JsonNode.Parse(File.ReadAllText(file))?.AsObject() ?? throw new InvalidOperationException($"{file} is not a JSON object");

    /// <summary>Every panel of <paramref name="dashboard"/>, rows' nested panels included.</summary>
    public static IEnumerable<JsonObject> Panels(JsonObject dashboard)
    {
        foreach (var panel in dashboard["panels"]?.AsArray() ?? [])
        {
            yield return panel!.AsObject();
            foreach (var nested in panel["panels"]?.AsArray() ?? [])
            {
                yield return nested!.AsObject();
            }
        }
    }

    /// <summary>Every query of every dashboard, with Grafana's built-in variables replaced.</summary>
    public static IReadOnlyList<PanelQuery> AllQueries() =>
        [.. Files().Select(Load).SelectMany(d => Panels(d).SelectMany(p =>
            (p["targets"]?.AsArray() ?? []).Select(t => new PanelQuery(
                (string)d["title"]!, (string)p["title"]!, (string?)t!["refId"] ?? "?", ToPrometheus((string)t["expr"]!)))))];

    /// <summary>The expression with Grafana's built-in variables replaced.</summary>
    public static string ToPrometheus(string expression) =>
        BuiltInVariables.Aggregate(expression, (e, v) => e.Replace(v.Key, v.Value, StringComparison.Ordinal));

    /// <summary>Template variables left in an expression after the built-ins are replaced.</summary>
    public static IEnumerable<string> UnresolvedVariables(string expression) =>
        Variable().Matches(ToPrometheus(expression)).Select(m => m.Value);

    [GeneratedRegex(@"\$\{?[A-Za-z_]\w*\}?")]
    private static partial Regex Variable();
}

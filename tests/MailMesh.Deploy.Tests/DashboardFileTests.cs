using MailMesh.Deploy.Tests.Infrastructure;

namespace MailMesh.Deploy.Tests;

/// <summary>The dashboard JSON files are complete and all provisioned.</summary>
public sealed class DashboardFileTests
{
    [Fact]
    public void Dashboards_InTheDashboardsDirectory_AreTheFourProvisionedOnes()
    {
        var files = Dashboards.Files().Select(Path.GetFileName).ToList();
        var kustomization = File.ReadAllText(Path.Combine(Repository.K8s, "observability", "kustomization.yaml"));

        Assert.Equal(["campaigns-engagement.json", "cluster.json", "mailbox-sync.json", "overview.json"], files);
        Assert.All(files, f => Assert.Contains($"- dashboards/{f}", kustomization, StringComparison.Ordinal));
    }

    [Fact]
    public void Panels_OfEveryDashboard_QueryTheProvisionedDataSourceWithNoUnknownVariable()
    {
        var problems = new List<string>();
        var uids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Dashboards.Files())
        {
            var dashboard = Dashboards.Load(file);
            var name = Path.GetFileName(file);
            if (dashboard["uid"] is not { } uid || !uids.Add((string)uid!))
            {
                problems.Add($"{name}: uid missing or shared with another dashboard");
            }

            if (string.IsNullOrWhiteSpace((string?)dashboard["title"]))
            {
                problems.Add($"{name}: no title");
            }

            var panels = Dashboards.Panels(dashboard).ToList();
            if (panels.Count == 0)
            {
                problems.Add($"{name}: no panels");
            }

            var ids = new HashSet<int>();
            foreach (var panel in panels)
            {
                var title = (string?)panel["title"] ?? "(untitled)";
                if (panel["id"] is null || !ids.Add((int)panel["id"]!))
                {
                    problems.Add($"{name} / {title}: id missing or repeated");
                }

                if ((string?)panel["type"] == "row")
                {
                    // A row only groups the panels below it: no data source, no query.
                    continue;
                }

                if ((string?)panel["datasource"]?["uid"] != Dashboards.DataSourceUid)
                {
                    problems.Add($"{name} / {title}: data source is not uid '{Dashboards.DataSourceUid}'");
                }

                var targets = panel["targets"]?.AsArray() ?? [];
                if (targets.Count == 0)
                {
                    problems.Add($"{name} / {title}: no query");
                }

                foreach (var target in targets)
                {
                    var expression = (string?)target!["expr"];
                    if (string.IsNullOrWhiteSpace(expression))
                    {
                        problems.Add($"{name} / {title}: a target without expr");
                    }
                    else if (Dashboards.UnresolvedVariables(expression).ToList() is { Count: > 0 } unknown)
                    {
                        problems.Add($"{name} / {title}: variables {string.Join(", ", unknown)} are not defined (the dashboards have no template variables)");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }
}

using System.Diagnostics.Metrics;

namespace MailMesh.Grains.Rules;

/// <summary>The rules' meter <c>MailMesh.Rules</c>: <c>mailmesh.rule.runs</c> {run} [outcome = applied | failed] (a
/// message's rule run ended; runs without an active script are not counted) and <c>mailmesh.rule.actions</c> {action}
/// [action = keep | fileinto | redirect | discard | vacation | reject | ereject] (actions of applied runs).</summary>
internal static class RuleDiagnostics
{
    public const string Name = "MailMesh.Rules";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> Runs = Meter.CreateCounter<long>(
        "mailmesh.rule.runs", "{run}", "Rule runs that ended, by outcome (applied, failed).");

    private static readonly Counter<long> Actions = Meter.CreateCounter<long>(
        "mailmesh.rule.actions", "{action}", "Actions decided by applied rule runs, by Sieve action.");

    private static readonly HashSet<string> KnownActions = new(StringComparer.Ordinal)
    {
        "keep", "fileinto", "redirect", "discard", "vacation", "reject", "ereject",
    };

    public static void Failed()
    {
        if (Runs.Enabled)
        {
            Runs.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
        }
    }

    public static void Applied(PendingRuleRun run)
    {
        if (Runs.Enabled)
        {
            Runs.Add(1, new KeyValuePair<string, object?>("outcome", "applied"));
        }

        if (Actions.Enabled && run.Decision is { } decision)
        {
            foreach (var action in decision.Actions)
            {
                // Extensions add action kinds; anything unknown is one bucket so the label stays bounded.
                Actions.Add(1, new KeyValuePair<string, object?>("action", KnownActions.Contains(action.Kind) ? action.Kind : "other"));
            }
        }
    }
}

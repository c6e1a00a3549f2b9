using MailMesh.Runtime;

namespace MailMesh.Grains.Rules;

/// <summary>
/// The Sieve rules of one mailbox, keyed like the mailbox (<c>tenant/mailbox-name</c>): versioned scripts
/// (validated before they are saved, every version kept, one active), the vacation and duplicate memories,
/// dry runs, and the evaluation and outgoing mail of the mailbox grain's rule runs
/// (see docs/adr/rules-01-exactly-once-rule-runs.md).
/// </summary>
public interface IMailboxRulesGrain : IGrainWithStringKey
{
    /// <summary>Validates and stores <paramref name="request"/> as the next version; activates it when asked.</summary>
    /// <exception cref="RuleScriptInvalidException">The script does not compile; the diagnostics give line and column.</exception>
    Task<RuleScriptVersion> Upload(UploadRuleScript request);

    /// <summary>Compiles <paramref name="source"/> without storing it.</summary>
    [ReadOnly]
    Task<RuleValidation> Validate(string source);

    /// <summary>A stored version (the active one when <paramref name="version"/> is null), or null.</summary>
    [ReadOnly]
    Task<RuleScriptVersion?> Get(int? version);

    /// <summary>Every stored version, newest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<RuleScriptVersionInfo>> List();

    /// <summary>Makes <paramref name="version"/> the active script (also the way to roll back); emits <c>rule.script_activated</c>.</summary>
    /// <exception cref="ArgumentException">No such version.</exception>
    Task<RuleScriptVersionInfo> Activate(int version, string? actor);

    /// <summary>Turns rules off (new mail is kept as it arrives); versions stay.</summary>
    Task Deactivate(string? actor);

    /// <summary>Runs a script over a stored message (or given raw MIME) and returns the actions it decides, applying nothing
    /// and remembering nothing.</summary>
    [CallTimeout(120_000)]
    Task<RuleDryRun> Test(RuleTestRequest request);

    /// <summary>Decides the actions of one rule run. Idempotent per <see cref="RuleRunRequest.RunId"/>: asked again (after a
    /// crash) it returns the decision it made the first time, without evaluating again.</summary>
    [CallTimeout(120_000)]
    Task<RuleDecision> Evaluate(RuleRunRequest request);

    /// <summary>Sends the mail of action <paramref name="actionIndex"/> (redirect or vacation) of a decided run.</summary>
    /// <exception cref="InvalidOperationException">The run or action is unknown or sends no mail.</exception>
    [CallTimeout(300_000)]
    Task<string> SendMail(string runId, int actionIndex, string mailboxAddress);
}

using System.Globalization;
using MailMesh.Sieve;
using MailMesh.Sieve.Extensions.MailMesh;
using MailMesh.Sieve.Interpretation;

namespace MailMesh.Grains.Rules;

/// <summary>Turns engine actions and diagnostics into the records that cross the call boundary and the API.</summary>
internal static class RuleActionMapper
{
    public static RuleAction Map(SieveAction action) => action switch
    {
        KeepAction k => new RuleAction("keep", null, k.Flags) { Implicit = k.Implicit },
        FileIntoAction f => new RuleAction("fileinto", f.Mailbox, f.Flags) { Copy = f.Copy, Create = f.Create },
        RedirectAction r => new RuleAction("redirect", r.Address, []) { Copy = r.Copy },
        DiscardAction => new RuleAction("discard", null, []),
        RejectAction r => new RuleAction(r.Name, r.Reason, []),
        VacationAction v => new RuleAction("vacation", v.Recipient, [])
        {
            Subject = v.Subject, Text = v.Reason, From = v.From, Mime = v.Mime, InReplyTo = v.InReplyTo,
        },
        AssignAction a => new RuleAction("assign", a.User, []),
        TagAction t => new RuleAction("tag", t.Tag, []),
        PriorityAction p => new RuleAction("priority", p.Priority.ToString().ToLowerInvariant(), []),
        NotifyAction n => new RuleAction("notify", n.Event, []) { Text = n.Message },
        RetainAction r => new RuleAction("retain", r.Days.ToString(CultureInfo.InvariantCulture), []),
        ArchiveAction => new RuleAction("archive", null, []),
        _ => new RuleAction(action.Name, null, []),
    };

    public static RuleDiagnostic Map(SieveDiagnostic d) =>
        new(d.Severity == SieveDiagnosticSeverity.Error ? "error" : "warning", d.Position.Line, d.Position.Column, d.Message);
}

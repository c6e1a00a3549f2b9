namespace MailMesh.Sieve.Interpretation;

public sealed partial class SieveRuntime
{
    private readonly List<SieveAction> _actions = [];
    // Most executions log, warn and record nothing: these lists are made on first use.
    private List<string>? _log;
    private List<string>? _warnings;
    private List<DuplicateRecord>? _duplicates;
    private List<VacationRecord>? _vacations;
    private HashSet<string>? _includedOnce;
    private HashSet<string>? _includedScripts;

    /// <summary>The actions so far, in script order.</summary>
    public IReadOnlyList<SieveAction> Actions => _actions;

    /// <summary>True until an action cancels implicit keep.</summary>
    public bool ImplicitKeep { get; private set; } = true;

    /// <summary>The imap4flags internal variable (RFC 5232), flags in order, no duplicates.</summary>
    public List<string> InternalFlags { get; } = [];

    /// <summary>Decision notes for the result.</summary>
    public IReadOnlyList<string> LogEntries => (IReadOnlyList<string>?)_log ?? [];

    /// <summary>Adds a note to the result's log.</summary>
    public void Log(string message) => (_log ??= []).Add(message);

    /// <summary>Problems of the script found while running that did not stop it (e.g. a regex built from
    /// variables that does not compile), in order.</summary>
    public IReadOnlyList<string> Warnings => (IReadOnlyList<string>?)_warnings ?? [];

    /// <summary>Records a problem that does not stop the script (also noted in the log).</summary>
    public void Warn(string message)
    {
        (_warnings ??= []).Add(message);
        Log(message);
    }

    /// <summary>Records a duplicate id to store after delivery.</summary>
    public void AddDuplicateRecord(DuplicateRecord record) => (_duplicates ??= []).Add(record);

    /// <summary>Records a vacation reply to remember after it was sent.</summary>
    public void AddVacationRecord(VacationRecord record) => (_vacations ??= []).Add(record);

    /// <summary>Cancels implicit keep (discard, reject, fileinto and redirect without :copy).</summary>
    public void CancelImplicitKeep() => ImplicitKeep = false;

    /// <summary>
    /// Adds an action, dropping exact duplicates (the same mailbox or redirect address twice) and
    /// enforcing the action and redirect limits and the conflicts of RFC 5429 and RFC 5230.
    /// </summary>
    public void AddAction(SieveAction action, SourcePosition position)
    {
        switch (action)
        {
            case KeepAction or FileIntoAction:
                var mailbox = MailboxOf(action);
                var index = -1;
                for (var i = 0; i < _actions.Count; i++)
                {
                    if (_actions[i] is KeepAction or FileIntoAction && MailboxOf(_actions[i]).Equals(mailbox, StringComparison.Ordinal))
                    {
                        index = i;
                        break;
                    }
                }

                if (index >= 0)
                {
                    _actions[index] = Merge(_actions[index], action);
                    return;
                }

                break;
            case RedirectAction redirect:
                if (_actions.OfType<RedirectAction>().Any(r => r.Address.Equals(redirect.Address, StringComparison.OrdinalIgnoreCase)))
                {
                    return;
                }

                if (_actions.OfType<RedirectAction>().Count() >= Limits.MaxRedirects)
                {
                    throw Fail($"too many redirects: the number of redirect actions exceeds policy limit ({Limits.MaxRedirects} per message)", position);
                }

                break;
            case VacationAction when _actions.OfType<VacationAction>().Any():
                throw Fail("only one vacation action is allowed per message", position);
            case RejectAction when _actions.OfType<RejectAction>().Any():
                throw Fail("only one reject or ereject action is allowed per message", position);
            default:
                break;
        }

        if (_actions.Count >= Limits.MaxActions)
        {
            throw Fail($"too many actions: the total number of actions exceeds policy limit ({Limits.MaxActions} per message)", position);
        }

        CheckConflicts(action, position);
        _actions.Add(action);
    }

    /// <summary>Clears every action and note and restores implicit keep (test harnesses).</summary>
    public void ResetResult()
    {
        _actions.Clear();
        _log?.Clear();
        _warnings?.Clear();
        _duplicates?.Clear();
        _vacations?.Clear();
        ImplicitKeep = true;
        InternalFlags.Clear();
    }

    internal SieveResult BuildResult()
    {
        var actions = new List<SieveAction>(_actions);
        if (ImplicitKeep && !actions.Exists(a => a is KeepAction))
        {
            actions.Add(new KeepAction([.. InternalFlags], Implicit: true));
        }

        return new SieveResult(actions, Headers.Modified ? Headers.Fields : null, null, Copy(_duplicates), Copy(_vacations), Copy(_log), Steps) { Warnings = Copy(_warnings) };
    }

    // include bookkeeping lives here because it shares the execution-wide sets.
    internal bool MarkIncludedOnce(string key) => (_includedOnce ??= new HashSet<string>(StringComparer.Ordinal)).Add(key);

    internal int CountIncluded(string key)
    {
        _includedScripts ??= new HashSet<string>(StringComparer.Ordinal);
        _includedScripts.Add(key);
        return _includedScripts.Count;
    }

    private static IReadOnlyList<T> Copy<T>(List<T>? list) => list is null || list.Count == 0 ? [] : [.. list];

    private void CheckConflicts(SieveAction action, SourcePosition position)
    {
        static bool Delivers(SieveAction a) => a is KeepAction or FileIntoAction or RedirectAction or VacationAction;
        if (action is RejectAction && _actions.Exists(Delivers))
        {
            throw Fail($"{action.Name} conflicts with the earlier {_actions.First(Delivers).Name} action: a rejected message cannot also be delivered, redirected or answered", position);
        }

        if (Delivers(action) && _actions.OfType<RejectAction>().FirstOrDefault() is { } reject)
        {
            throw Fail($"{action.Name} conflicts with the earlier {reject.Name} action: a rejected message cannot also be delivered, redirected or answered", position);
        }
    }

    private static string MailboxOf(SieveAction action) => action is FileIntoAction f ? NormalizeMailbox(f.Mailbox) : "INBOX";

    /// <summary>Spells the INBOX prefix in upper case (IMAP's INBOX is case-insensitive).</summary>
    public static string NormalizeMailbox(string mailbox) =>
        mailbox.StartsWith("inbox", StringComparison.OrdinalIgnoreCase) && (mailbox.Length == 5 || !char.IsAsciiLetterOrDigit(mailbox[5]))
            ? "INBOX" + mailbox[5..]
            : mailbox;

    private static SieveAction Merge(SieveAction existing, SieveAction added)
    {
        // RFC 5232 section 3.1: when duplicate deliveries are merged, the last flag list wins.
        var flags = added is KeepAction k ? k.Flags : ((FileIntoAction)added).Flags;
        return existing switch
        {
            KeepAction keep => keep with { Flags = flags },
            FileIntoAction file => file with { Flags = flags, Copy = file.Copy && ((added as FileIntoAction)?.Copy ?? false), Create = file.Create || ((added as FileIntoAction)?.Create ?? false) },
            _ => existing,
        };
    }
}

using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Runtime;

namespace MailMesh.Grains.Sharing;

/// <summary>Members, conversations, response-time target and audit trail of one mailbox (see
/// docs/adr/sharing-01-users-access-and-audit.md). <paramref name="sync"/> (the message index) is only needed by the
/// SLA check, <paramref name="rules"/> (the SMTP submission settings) only to send as the mailbox.</summary>
public sealed partial class MailboxSharingGrain(
    [PersistentState("sharing")] IPersistentState<MailboxSharingState> state,
    MailboxSyncServices? sync = null,
    MailMesh.Grains.Rules.RulesServices? rules = null) : Grain, IMailboxSharingGrain, IRemindable
{
    /// <summary>Longest user id.</summary>
    public const int MaxUserLength = 320;

    /// <summary>Longest note.</summary>
    public const int MaxNoteLength = 10_000;

    /// <summary>Most notes per conversation.</summary>
    public const int MaxNotes = 1_000;

    /// <summary>Longest conversation id.</summary>
    public const int MaxConversationIdLength = 1_000;

    /// <inheritdoc />
    public Task<MailboxAccess> GetAccess(string user) =>
        Task.FromResult(user is not null && state.State.Members.TryGetValue(user, out var member) ? member.Access : MailboxAccess.None);

    /// <inheritdoc />
    public Task<IReadOnlyList<MailboxMember>> ListMembers()
    {
        IReadOnlyList<MailboxMember> members = state.State.Members.OrderBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => new MailboxMember(m.Key, m.Value.Access, m.Value.ChangedAt, m.Value.ChangedBy)).ToList();
        return Task.FromResult(members);
    }

    /// <inheritdoc />
    public async Task<MailboxMember> SetMember(string actor, string user, MailboxAccess access)
    {
        CheckActor(actor);
        CheckUser(user, nameof(user));
        if (access is not (MailboxAccess.ReadOnly or MailboxAccess.SendAs or MailboxAccess.Full))
        {
            throw new ArgumentException($"access {access} is not a level a member can have (read_only, send_as, full).", nameof(access));
        }

        var now = TimeProvider.GetUtcNow();
        var existed = state.State.Members.TryGetValue(user, out var previous);
        state.State.Members[user] = new MemberState { Access = access, ChangedAt = now, ChangedBy = actor };
        Audit(actor, existed ? "members.changed" : "members.added", user, new()
        {
            ["access"] = Name(access), ["previous"] = existed ? Name(previous!.Access) : "none",
        });
        await state.WriteStateAsync();
        return new MailboxMember(user, access, now, actor);
    }

    /// <inheritdoc />
    public async Task<bool> RemoveMember(string actor, string user)
    {
        CheckActor(actor);
        if (user is null || !state.State.Members.Remove(user, out var previous))
        {
            return false;
        }

        var unassigned = 0;
        foreach (var conversation in state.State.Conversations.Values.Where(c => c.Assignee == user))
        {
            conversation.Assignee = null;
            unassigned++;
        }

        Audit(actor, "members.removed", user, new() { ["previous"] = Name(previous.Access), ["unassigned"] = unassigned.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await state.WriteStateAsync();
        return true;
    }

    /// <inheritdoc />
    public async Task RecordAudit(AuditAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        CheckActor(action.Actor);
        if (!AuditChain.IsValidAction(action.Action))
        {
            throw new ArgumentException(
                $"action '{action.Action}' must be dotted words of lower-case letters, digits and '_' (at most 80 characters), e.g. rules.script_saved.",
                nameof(AuditAction.Action));
        }

        if (action.Target is null || action.Target.Length > 2_000)
        {
            throw new ArgumentException("target must be given (may be empty) and at most 2,000 characters.", nameof(AuditAction.Target));
        }

        if (action.Details is { } details && (details.Count > 50 || details.Any(d => d.Key.Length is 0 or > 100 || (d.Value?.Length ?? 0) > 4_000)))
        {
            throw new ArgumentException("details may have at most 50 entries, names 1-100 and values at most 4,000 characters.", nameof(AuditAction.Details));
        }

        Audit(action.Actor, action.Action, action.Target, action.Details?.ToDictionary(d => d.Key, d => d.Value ?? "", StringComparer.Ordinal));
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async Task Reset(string actor)
    {
        CheckActor(actor);
        state.State.Members.Clear();
        state.State.Conversations.Clear();
        state.State.SlaFirstResponse = null;
        Audit(actor, "mailbox.deleted", GrainKey[(GrainId.Tenant.Length + 1)..], null);
        // The chain head stays: a mailbox created again under the same name continues the same trail.
        await state.WriteStateAsync();
        await UnregisterReminderAsync(SlaReminder);
    }

    /// <summary>Raises the audit event (written with the next state write) and advances the chain head.</summary>
    private void Audit(string actor, string action, string target, Dictionary<string, string>? details)
    {
        var atMs = TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var previous = state.State.AuditHead;
        var hash = AuditChain.Hash(previous, actor, action, target, atMs, details);
        RaiseEvent(AuditChain.EventPrefix + action, GrainKey, new { actor, action, target, details = details ?? [], atMs, prev = previous, hash });
        state.State.AuditHead = hash;
    }

    private static void CheckActor(string actor)
    {
        if (string.IsNullOrEmpty(actor) || actor.Length > MaxUserLength + 10 || actor.Any(char.IsControl))
        {
            throw new ArgumentException($"actor must be 1-{MaxUserLength + 10} characters without control characters.", nameof(actor));
        }
    }

    internal static void CheckUser(string user, string field)
    {
        if (string.IsNullOrWhiteSpace(user) || user.Length > MaxUserLength || user.Any(char.IsControl) || user.StartsWith("key:", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{field} '{user}' must be 1-{MaxUserLength} characters without control characters, not starting with 'key:'.", field);
        }
    }

    internal static string Name(MailboxAccess access) => access switch
    {
        MailboxAccess.ReadOnly => "read_only",
        MailboxAccess.SendAs => "send_as",
        MailboxAccess.Full => "full",
        _ => "none",
    };
}

using MailMesh.Runtime;

namespace MailMesh.Grains.Sharing;

/// <summary>
/// The sharing side of a mailbox, keyed like the mailbox (<c>tenant/mailbox-name</c>): members and access levels,
/// conversation status/assignee/notes, the response-time target, and the audit trail (events <c>audit.*</c> with a
/// hash chain; see docs/adr/sharing-01-users-access-and-audit.md). Methods that change something take the acting
/// user (or <c>key:&lt;id&gt;</c>) and record themselves in the audit trail.
/// </summary>
public interface IMailboxSharingGrain : IGrainWithStringKey
{
    /// <summary>The access level of <paramref name="user"/> (<see cref="MailboxAccess.None"/> for non-members).</summary>
    [ReadOnly]
    Task<MailboxAccess> GetAccess(string user);

    /// <summary>Members ordered by user id.</summary>
    [ReadOnly]
    Task<IReadOnlyList<MailboxMember>> ListMembers();

    /// <summary>Adds a member or changes its level; audited as <c>members.added</c> / <c>members.changed</c>.</summary>
    /// <exception cref="ArgumentException">A bad user id or level.</exception>
    Task<MailboxMember> SetMember(string actor, string user, MailboxAccess access);

    /// <summary>Removes a member (unassigning its conversations); false when it was not one. Audited as <c>members.removed</c>.</summary>
    Task<bool> RemoveMember(string actor, string user);

    /// <summary>A conversation (open, unassigned and without notes when nobody has touched it).</summary>
    [ReadOnly]
    Task<Conversation> GetConversation(string conversationId);

    /// <summary>Conversations somebody has touched, by id, optionally only of one status and/or assignee.</summary>
    [ReadOnly]
    Task<ConversationPage> ListConversations(ConversationStatus? status, string? assignee, string? after, int limit);

    /// <summary>Sets status and/or assignee (<paramref name="assignee"/> "" unassigns; null leaves it). The assignee
    /// must be a member with at least <see cref="MailboxAccess.SendAs"/>. Audited as <c>conversation.status_changed</c> /
    /// <c>conversation.assigned</c>.</summary>
    Task<Conversation> UpdateConversation(string actor, string conversationId, ConversationStatus? status, string? assignee);

    /// <summary>Adds an internal note (1-10,000 characters); audited as <c>conversation.note_added</c>.</summary>
    Task<ConversationNote> AddNote(string actor, string conversationId, string text);

    /// <summary>The response-time target.</summary>
    [ReadOnly]
    Task<SlaPolicy> GetSlaPolicy();

    /// <summary>Sets (or with null clears) the response-time target, checks it at once and then every minute (a
    /// durable reminder). Audited as <c>sla.policy_changed</c>.</summary>
    Task<SlaPolicy> SetSlaPolicy(string actor, TimeSpan? firstResponse, DateTimeOffset? appliesSince);

    /// <summary>Checks the target now: emits <c>message.sla_breached</c> once per open conversation with an unanswered
    /// message older than the target; returns how many were emitted.</summary>
    [CallTimeout(120_000)]
    Task<int> CheckSla();

    /// <summary>Appends an entry to the audit trail (for other grains and the API: read, moved, flagged, rules
    /// changed…). Entries are never changed or removed.</summary>
    /// <exception cref="ArgumentException">A bad actor or action name.</exception>
    Task RecordAudit(AuditAction action);

    /// <summary>Sends a message from the mailbox's address through the SMTP submission server (send-as; the caller checks
    /// the actor's access level), audited as <c>message.sent</c>. A reply flags the original <c>\Answered</c>.</summary>
    /// <exception cref="ArgumentException">Bad recipients, subject, text or request id (the message names the field).</exception>
    /// <exception cref="InvalidOperationException">No submission server, no mailbox address, or an earlier send with the same
    /// request id was interrupted and may have gone out.</exception>
    [CallTimeout(300_000)]
    Task<SentMail> Send(string actor, SendMailRequest request);

    /// <summary>Forgets members, conversations and the SLA policy when the mailbox is deleted (audited as
    /// <c>mailbox.deleted</c>; the trail itself stays).</summary>
    Task Reset(string actor);
}

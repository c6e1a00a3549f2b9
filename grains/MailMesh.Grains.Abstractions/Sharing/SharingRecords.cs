using MailMesh.Runtime;

namespace MailMesh.Grains.Sharing;

/// <summary>What a member of a shared mailbox may do; each level includes the ones before it
/// (see docs/adr/sharing-01-users-access-and-audit.md).</summary>
public enum MailboxAccess
{
    /// <summary>Not a member.</summary>
    None = 0,

    /// <summary>Read the mailbox, its messages, conversations and notes.</summary>
    ReadOnly = 1,

    /// <summary>Also flag and move messages, assign, set conversation status, add notes, send as the mailbox.</summary>
    SendAs = 2,

    /// <summary>Also change the mailbox, its source, members, SLA policy and rules; read the audit trail.</summary>
    Full = 3,
}

/// <summary>Where a conversation stands.</summary>
public enum ConversationStatus
{
    /// <summary>Needs an answer (the default).</summary>
    Open = 0,

    /// <summary>Waiting for someone else (not counted against the response-time target).</summary>
    Pending = 1,

    /// <summary>Done.</summary>
    Closed = 2,
}

/// <summary>A member of a shared mailbox.</summary>
/// <param name="User">User id.</param>
/// <param name="Access">Access level.</param>
/// <param name="ChangedAt">When the level was last set.</param>
/// <param name="ChangedBy">Who set it.</param>
[Immutable]
public sealed record MailboxMember(string User, MailboxAccess Access, DateTimeOffset ChangedAt, string ChangedBy);

/// <summary>An internal note on a conversation (never shown to the correspondent).</summary>
/// <param name="Id">Sequence within the conversation, from 1.</param>
/// <param name="Author">Who wrote it.</param>
/// <param name="At">When.</param>
/// <param name="Text">The note.</param>
[Immutable]
public sealed record ConversationNote(int Id, string Author, DateTimeOffset At, string Text);

/// <summary>The team's state of one conversation (thread) of a shared mailbox.</summary>
/// <param name="Id">Conversation id (see <c>MessageInfo.ConversationId</c>).</param>
/// <param name="Status">Open, pending or closed.</param>
/// <param name="Assignee">Member it is assigned to, if any.</param>
/// <param name="Notes">Internal notes, oldest first.</param>
/// <param name="SlaBreachedAt">When the response-time target was found breached, if it was.</param>
/// <param name="UpdatedAt">Last change; null for a conversation nobody has touched.</param>
[Immutable]
public sealed record Conversation(
    string Id, ConversationStatus Status, string? Assignee, IReadOnlyList<ConversationNote> Notes, DateTimeOffset? SlaBreachedAt, DateTimeOffset? UpdatedAt);

/// <summary>A page of conversations.</summary>
/// <param name="Conversations">Ordered by id.</param>
/// <param name="NextAfter">Pass as <c>after</c> for the next page; null on the last page.</param>
[Immutable]
public sealed record ConversationPage(IReadOnlyList<Conversation> Conversations, string? NextAfter);

/// <summary>The response-time target of a shared mailbox.</summary>
/// <param name="FirstResponse">An unanswered message of an open conversation older than this breaches the target;
/// null when no target is set.</param>
/// <param name="AppliesSince">Only messages dated at or after this count.</param>
[Immutable]
public sealed record SlaPolicy(TimeSpan? FirstResponse, DateTimeOffset AppliesSince);

/// <summary>A user action to record in a mailbox's audit trail.</summary>
/// <param name="Actor">Who: a user id, or <c>key:&lt;key id&gt;</c> for a service.</param>
/// <param name="Action">What, dotted lower case (e.g. <c>message.read</c>, <c>rules.script_saved</c>).</param>
/// <param name="Target">On what (e.g. <c>INBOX/42</c>, a user, a conversation id); may be empty.</param>
/// <param name="Details">Extra facts, as name/value text pairs.</param>
[Immutable]
public sealed record AuditAction(string Actor, string Action, string Target, IReadOnlyDictionary<string, string>? Details = null);

/// <summary>The caller's access level is below what the operation needs.</summary>
public sealed class MailboxAccessDeniedException(string message) : InvalidOperationException(message);
